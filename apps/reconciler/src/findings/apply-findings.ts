import type {
  ConnectionRef,
  Database,
  FindingAlerts,
  FindingTransition,
  ReportedFinding,
} from '@xero-access/model';

export interface AppliedFindings {
  transitions: FindingTransition[];
  openByCheck: Record<string, number>;
  /**
   * The connection's earliest accepted risk still ahead, or null (also when nothing was applied:
   * the leader's expiry sweep reopens a lapsed one, and the regular sync is due by then).
   */
  nextAcceptanceExpiry: Date | null;
}

/**
 * Upserts each tenant's findings (model: keyed by connection + tenant + check + subject;
 * auto-resolve, reopen, accepted risk until it expires) and returns every transition.
 */
export async function applyFindings(
  db: Database,
  ref: ConnectionRef,
  perSnapshot: readonly { snapshotId: string; findings: ReportedFinding[] }[],
  now: Date,
  alerts?: FindingAlerts,
): Promise<AppliedFindings> {
  // A retry that synced none of the organisations it fetched: every finding stands.
  if (perSnapshot.length === 0)
    return {
      transitions: [],
      openByCheck: await db.findings.openCounts(ref),
      nextAcceptanceExpiry: null,
    };
  const transitions: FindingTransition[] = [];
  let openByCheck: Record<string, number> = {};
  let nextAcceptanceExpiry: Date | null = null;
  // Both come from the whole connection after each apply, so the last one holds.
  for (const { snapshotId, findings } of perSnapshot) {
    const result = await db.findings.apply(ref, snapshotId, findings, now, alerts);
    transitions.push(...result.transitions);
    ({ openByCheck, nextAcceptanceExpiry } = result);
  }
  return { transitions, openByCheck, nextAcceptanceExpiry };
}
