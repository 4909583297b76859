import {
  StaleSnapshotError,
  type ConnectionRef,
  type Database,
  type EvaluatedBy,
  type FindingAlerts,
  type FindingTransition,
  type ReportedFinding,
} from '@xero-access/model';

export interface AppliedFindings {
  transitions: FindingTransition[];
  openByCheck: Record<string, number>;
  /**
   * The connection's earliest accepted risk still ahead, or null (also when nothing was applied:
   * the leader's expiry sweep reopens a lapsed one, and the regular sync is due by then).
   */
  nextAcceptanceExpiry: Date | null;
  /**
   * The snapshots the model refused because another replica applied a later one of the tenant
   * first (StaleSnapshotError): nothing of theirs was written.
   */
  stale: StaleSnapshotError[];
}

/** One tenant's evaluation: its snapshot, what the checks found, and what evaluated. */
export interface SnapshotEvaluation {
  snapshotId: string;
  findings: ReportedFinding[];
  /** The policy bundle and settings, named in the note of a resolution access does not explain. */
  evaluatedBy: EvaluatedBy;
  /**
   * False for the last snapshot of an organisation this sync could not fetch, evaluated again:
   * what it reports is opened, and nothing is resolved (the model's ApplyOptions).
   */
  fetchedNow: boolean;
}

/**
 * Upserts each tenant's findings (model: keyed by connection + tenant + check + subject;
 * auto-resolve, but not from a snapshot not fetched now; reopen, accepted risk until it expires)
 * and returns every transition. A tenant
 * whose snapshot is stale is left out (`stale`); the others are applied all the same, as each
 * is refused on its own once a later one of its tenant is applied.
 */
export async function applyFindings(
  db: Database,
  ref: ConnectionRef,
  perSnapshot: readonly SnapshotEvaluation[],
  now: Date,
  alerts?: FindingAlerts,
): Promise<AppliedFindings> {
  // A retry that synced none of the organisations it fetched: every finding stands.
  if (perSnapshot.length === 0)
    return {
      transitions: [],
      openByCheck: await db.findings.openCounts(ref),
      nextAcceptanceExpiry: null,
      stale: [],
    };
  const transitions: FindingTransition[] = [];
  const stale: StaleSnapshotError[] = [];
  let openByCheck: Record<string, number> = {};
  let nextAcceptanceExpiry: Date | null = null;
  // Both come from the whole connection after each apply, so the last one holds.
  for (const { snapshotId, findings, evaluatedBy, fetchedNow } of perSnapshot) {
    try {
      const result = await db.findings.apply(ref, snapshotId, findings, now, alerts, evaluatedBy, {
        resolveUnreported: fetchedNow,
      });
      transitions.push(...result.transitions);
      ({ openByCheck, nextAcceptanceExpiry } = result);
    } catch (error) {
      if (!(error instanceof StaleSnapshotError)) throw error;
      stale.push(error);
    }
  }
  return { transitions, openByCheck, nextAcceptanceExpiry, stale };
}
