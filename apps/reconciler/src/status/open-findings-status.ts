import type { XeroConnectionStatus } from '@xero-access/crd';
import { CHECK_IDS } from '../metrics/metrics.js';

export type OpenFindingsStatus = Required<Pick<XeroConnectionStatus, 'findings' | 'openFindings'>>;

/**
 * `status.findings` and `status.openFindings` from the open findings per check: every built-in
 * check (0 when none is open), and 0 for any other check the status still lists, because a merge
 * patch keeps the keys it is not sent.
 */
export function openFindingsStatus(
  openByCheck: Readonly<Record<string, number>>,
  previous: Readonly<Record<string, number>> = {},
): OpenFindingsStatus {
  const findings: Record<string, number> = {};
  for (const check of [...CHECK_IDS, ...Object.keys(previous)]) findings[check] = 0;
  Object.assign(findings, openByCheck);
  const openFindings = Object.values(openByCheck).reduce((sum, n) => sum + n, 0);
  return { findings, openFindings };
}

/** Whether the status already shows these open findings. */
export function showsOpenFindings(status: XeroConnectionStatus, next: OpenFindingsStatus): boolean {
  if (status.openFindings !== next.openFindings) return false;
  const shown = status.findings ?? {};
  const checks = new Set([...Object.keys(shown), ...Object.keys(next.findings)]);
  return [...checks].every((check) => (shown[check] ?? 0) === (next.findings[check] ?? 0));
}
