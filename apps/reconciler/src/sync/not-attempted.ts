/** The reason of an organisation a sync did not reach before its deadline: Xero was not called for it. */
export const NOT_ATTEMPTED = 'NotAttempted';

/**
 * The sync's deadline passed (or it was stopped) before a lane took this organisation: it was
 * never called, so it did not time out. The next pass fetches it first (passOrder).
 */
export class NotAttemptedError extends Error {
  constructor() {
    super(
      "Not reached before the sync's deadline (SYNC_TIMEOUT): Xero was not called for this " +
        'organisation, as the organisations fetched before it took the time. It is fetched ' +
        'first when the sync is retried.',
    );
    this.name = 'NotAttemptedError';
  }
}
