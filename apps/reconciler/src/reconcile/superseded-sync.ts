import type { FindingTransition, StaleSnapshotError } from '@xero-access/model';

/** What the reconciler logs (warn, with `connection` and `refused`) for a SupersededSyncError. */
export const SUPERSEDED_SYNC_LOG =
  'sync superseded: another replica applied the findings of a later sync first; this sync writes no status';

/**
 * A sync whose findings the model refused for some organisation: another replica applied those of
 * a later sync first (it leads, or did while this one stalled past losing the Lease). That
 * replica reports the connection; this sync writes no status and fails nothing. The findings of
 * its other organisations were applied and their webhooks sent: their Events are recorded too.
 */
export class SupersededSyncError extends Error {
  constructor(
    readonly connection: string,
    /** One per organisation refused, each naming its snapshot's sequence and the later one's. */
    readonly refused: readonly StaleSnapshotError[],
    /** The transitions of the organisations whose findings were applied. */
    readonly transitions: readonly FindingTransition[],
  ) {
    super(
      `a later sync of ${connection} applied its findings first: ${refused.map((e) => e.message).join('; ')}`,
    );
    this.name = 'SupersededSyncError';
  }
}
