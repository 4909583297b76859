import type {
  ConnectionRef,
  Database,
  FindingTransition,
  ReportedFinding,
} from '@xero-access/model';

export interface AppliedFindings {
  transitions: FindingTransition[];
  openByCheck: Record<string, number>;
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
): Promise<AppliedFindings> {
  const transitions: FindingTransition[] = [];
  let openByCheck: Record<string, number> = {};
  for (const { snapshotId, findings } of perSnapshot) {
    const result = await db.findings.apply(ref, snapshotId, findings, now);
    transitions.push(...result.transitions);
    openByCheck = result.openByCheck;
  }
  return { transitions, openByCheck };
}
