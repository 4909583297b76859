import type { XeroConnectionStatus } from '@xero-access/crd';
import type { ClassifiedFailure } from '../reconcile/failure-classifier.js';
import type { Progress, SyncOutcome } from '../reconcile/sync-outcome.js';
import { tokenValidCondition } from './authenticated-condition.js';
import type { ConditionInput } from './conditions.js';
import { disconnectedTenantsStatus } from './disconnected-tenants-status.js';
import { evaluatedMessage } from './evaluated-condition.js';
import { openFindingsStatus } from './open-findings-status.js';

/** What one sync reports: the conditions to set, in order, and the status fields to replace. */
export interface SyncStatus {
  conditions: ConditionInput[];
  fields: Partial<XeroConnectionStatus>;
}

/** A sync that went all the way: every condition True, the tenants, counts and token times. */
export function succeededSyncStatus(
  outcome: SyncOutcome,
  previous: XeroConnectionStatus,
  now: Date,
): SyncStatus {
  const tenantNames = outcome.tenants.map((t) => t.tenantName).join(', ');
  const open = Object.values(outcome.openByCheck).reduce((a, b) => a + b, 0);
  return {
    conditions: [
      tokenValidCondition(outcome.grant.expiresAt),
      {
        type: 'Synced',
        status: 'True',
        reason: 'Synced',
        message: `${outcome.userCount} users with access in ${tenantNames}.`,
      },
      {
        type: 'PoliciesEvaluated',
        status: 'True',
        reason: 'Evaluated',
        message: evaluatedMessage(open, outcome.disconnected),
      },
    ],
    fields: {
      tenants: outcome.tenants.map((t) => ({
        tenantId: t.tenantId,
        tenantName: t.tenantName,
        tenantType: t.tenantType,
        connectionId: t.connectionId,
      })),
      lastSyncTime: now.toISOString(),
      userCount: outcome.userCount,
      ...openFindingsStatus(outcome.openByCheck, previous.findings),
      ...disconnectedTenantsStatus(outcome.disconnected, previous.disconnectedTenants),
      accessTokenExpiresAt: outcome.grant.expiresAt.toISOString(),
      ...(outcome.grant.refreshTokenRotatedAt
        ? { refreshTokenRotatedAt: outcome.grant.refreshTokenRotatedAt.toISOString() }
        : {}),
    },
  };
}

const CONDITION_ORDER = ['Authenticated', 'Synced', 'PoliciesEvaluated'] as const;

type Step = (typeof CONDITION_ORDER)[number];

/** The reason of the conditions after a failed one: names the step that failed. */
const STEP_FAILED: Record<Step, string> = {
  Authenticated: 'AuthenticationFailed',
  Synced: 'SyncFailed',
  PoliciesEvaluated: 'EvaluationFailed',
};

/** What a condition after a failed one says did not happen. */
const STEP_NOT_DONE: Record<Step, string> = {
  Authenticated: 'Not authenticated',
  Synced: 'Users were not synced',
  PoliciesEvaluated: 'The access checks did not run',
};

/**
 * A sync that failed: what succeeded before the failure is still true, the failing condition is
 * False with the failure's reason, and the conditions after it are Unknown (the API conventions'
 * "cannot be determined"): what an earlier sync found is no longer current, so they must not keep
 * saying True. Their reason names the failed step; their message the failure and the last sync
 * that succeeded (`previous.lastSyncTime`).
 */
export function failedSyncStatus(
  failure: ClassifiedFailure,
  progress: Progress,
  previous: XeroConnectionStatus,
): SyncStatus {
  const conditions: ConditionInput[] = [];
  const fields: Partial<XeroConnectionStatus> = {};
  if (progress.grant && failure.condition !== 'Authenticated') {
    conditions.push(tokenValidCondition(progress.grant.expiresAt));
    fields.accessTokenExpiresAt = progress.grant.expiresAt.toISOString();
  }
  if (progress.syncedUsers !== undefined && failure.condition === 'PoliciesEvaluated') {
    conditions.push({
      type: 'Synced',
      status: 'True',
      reason: 'Synced',
      message: `${progress.syncedUsers} users with access.`,
    });
  }
  conditions.push({
    type: failure.condition,
    status: 'False',
    reason: failure.reason,
    message: failure.message,
  });
  const lastSync = previous.lastSyncTime
    ? `Last successful sync: ${previous.lastSyncTime}.`
    : 'No sync has succeeded yet.';
  for (const later of CONDITION_ORDER.slice(CONDITION_ORDER.indexOf(failure.condition) + 1)) {
    conditions.push({
      type: later,
      status: 'Unknown',
      reason: STEP_FAILED[failure.condition],
      message: `${STEP_NOT_DONE[later]}: ${failure.condition} failed (${failure.reason}). ${lastSync}`,
    });
  }
  return { conditions, fields };
}
