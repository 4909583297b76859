import type { ConditionType, XeroConnectionCondition } from '@xero-access/crd';

export type ConditionStatus = XeroConnectionCondition['status'];

export interface ConditionInput {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * Sets one condition the Kubernetes way: lastTransitionTime moves only when status changes,
 * observedGeneration always records the generation the condition was computed from.
 */
export function setCondition(
  conditions: readonly XeroConnectionCondition[] | undefined,
  input: ConditionInput,
  generation: number | undefined,
  now: Date,
): XeroConnectionCondition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === input.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: XeroConnectionCondition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    lastTransitionTime:
      previous && previous.status === input.status
        ? previous.lastTransitionTime
        : now.toISOString(),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

export function findCondition(
  conditions: readonly XeroConnectionCondition[] | undefined,
  type: ConditionType,
): XeroConnectionCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Ready summarises the others: true only when all three are true; otherwise the first failure's reason. */
export function readyFrom(conditions: readonly XeroConnectionCondition[]): ConditionInput {
  for (const type of ['Authenticated', 'Synced', 'PoliciesEvaluated'] as const) {
    const c = findCondition(conditions, type);
    if (!c)
      return {
        type: 'Ready',
        status: 'Unknown',
        reason: 'Reconciling',
        message: `${type} has not been determined yet`,
      };
    if (c.status !== 'True')
      return { type: 'Ready', status: c.status, reason: c.reason, message: c.message };
  }
  return {
    type: 'Ready',
    status: 'True',
    reason: 'Ready',
    message: 'Tokens are valid, users are synced and the access checks ran.',
  };
}
