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
  /** The connection's earliest accepted risk still ahead, or null. */
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
