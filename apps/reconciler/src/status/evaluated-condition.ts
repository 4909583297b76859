import type { DisconnectedTenant, XeroConnectionCondition } from '@xero-access/crd';
import { findCondition, setCondition } from './conditions.js';

/** The PoliciesEvaluated message: open findings, and how many belong to organisations not monitored now. */
export function evaluatedMessage(
  openFindings: number,
  disconnected: readonly DisconnectedTenant[],
): string {
  // No count of checks: custom checks in the bundle are not known here, only their findings.
  const message = `Access checks evaluated: ${openFindings} open findings.`;
  if (disconnected.length === 0) return message;
  const theirs = disconnected.reduce((sum, t) => sum + (t.openFindings ?? 0), 0);
  const organisations =
    disconnected.length === 1 ? '1 organisation' : `${disconnected.length} organisations`;
  return `${message} ${theirs} of them in ${organisations} no longer monitored (see status.disconnectedTenants).`;
}

/**
 * The conditions with PoliciesEvaluated's message brought up to date between syncs (an acceptance
 * made or ended): only when the last evaluation succeeded; its generation and transition time stay.
 */
export function withEvaluatedCounts(
  conditions: readonly XeroConnectionCondition[] | undefined,
  openFindings: number,
  disconnected: readonly DisconnectedTenant[],
  now: Date,
): XeroConnectionCondition[] | undefined {
  const evaluated = findCondition(conditions, 'PoliciesEvaluated');
  if (evaluated?.status !== 'True' || evaluated.reason !== 'Evaluated') return undefined;
  const message = evaluatedMessage(openFindings, disconnected);
  if (evaluated.message === message) return undefined;
  return setCondition(
    conditions,
    { type: 'PoliciesEvaluated', status: 'True', reason: 'Evaluated', message },
    evaluated.observedGeneration,
    now,
  );
}
