/**
 * Why a reconcile stopped before a write: this replica no longer leads (it lost the Lease, or
 * it is handing the Lease back), so the write is the next leader's to make.
 */
export class FencedError extends Error {
  constructor() {
    super('no longer leading: the write is left to the next leader');
    this.name = 'FencedError';
  }
}

/** For a reconcile run outside a leader's term (tests, tools): never fenced. */
export const NEVER_FENCED: AbortSignal = new AbortController().signal;
