import type { DisconnectedTenant, XeroConnectionCondition } from '@xero-access/crd';
import { ALERT_TARGET_NOTE } from '../alerts/alert-targets.js';
import { findCondition, setCondition, type ConditionInput } from './conditions.js';

/**
 * PoliciesEvaluated's reason while the namespace's alerts Secret cannot be used: still True (the
 * checks ran, the findings were applied), its message saying where the alerts went instead.
 */
export const INVALID_ALERT_TARGET = 'InvalidAlertTarget';

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
 * PoliciesEvaluated after an evaluation: the open findings, and, when the namespace's alerts
 * Secret cannot be used, what AlertRoute.invalid says (reason InvalidAlertTarget, still True).
 */
export function evaluatedCondition(
  openFindings: number,
  disconnected: readonly DisconnectedTenant[],
  invalidAlertTarget?: string,
): ConditionInput {
  const message = evaluatedMessage(openFindings, disconnected);
  return invalidAlertTarget
    ? {
        type: 'PoliciesEvaluated',
        status: 'True',
        reason: INVALID_ALERT_TARGET,
        message: `${message} ${invalidAlertTarget}`,
      }
    : { type: 'PoliciesEvaluated', status: 'True', reason: 'Evaluated', message };
}

/**
 * The conditions with PoliciesEvaluated's message brought up to date between syncs (an acceptance
 * made or ended): only when the last evaluation succeeded; its generation and transition time
 * stay, and so does what it says about the alerts Secret (until the next sync reads it again).
 */
export function withEvaluatedCounts(
  conditions: readonly XeroConnectionCondition[] | undefined,
  openFindings: number,
  disconnected: readonly DisconnectedTenant[],
  now: Date,
): XeroConnectionCondition[] | undefined {
  const evaluated = findCondition(conditions, 'PoliciesEvaluated');
  if (evaluated?.status !== 'True') return undefined;
  if (evaluated.reason !== 'Evaluated' && evaluated.reason !== INVALID_ALERT_TARGET)
    return undefined;
  const note = evaluated.message?.indexOf(` ${ALERT_TARGET_NOTE} `) ?? -1;
  const condition = evaluatedCondition(
    openFindings,
    disconnected,
    evaluated.reason === INVALID_ALERT_TARGET && note >= 0
      ? evaluated.message!.slice(note + 1)
      : undefined,
  );
  if (evaluated.message === condition.message) return undefined;
  return setCondition(conditions, condition, evaluated.observedGeneration, now);
}
