import type { XeroConnectionStatus } from '@xero-access/crd';
import type { ClassifiedFailure } from '../reconcile/failure-classifier.js';
import type { Progress, SyncOutcome } from '../reconcile/sync-outcome.js';
import { tokenValidCondition } from './authenticated-condition.js';
import type { ConditionInput } from './conditions.js';
import { disconnectedTenantsStatus } from './disconnected-tenants-status.js';
import { evaluatedCondition } from './evaluated-condition.js';
import { openFindingsStatus } from './open-findings-status.js';
import { monitoredTenants, syncedCondition, tenantsWithFailures } from './tenants-status.js';

/** What one sync reports: the conditions to set, in order, and the status fields to replace. */
export interface SyncStatus {
  conditions: ConditionInput[];
  fields: Partial<XeroConnectionStatus>;
}

/**
 * A sync that went all the way: every condition True, the tenants, counts and token times. When
 * some organisations failed (the others recorded and evaluated), Synced is False with reason
 * PartiallySynced naming them, and status.tenants gives each its syncFailure.
 */
export function succeededSyncStatus(
  outcome: SyncOutcome,
  previous: XeroConnectionStatus,
  now: Date,
): SyncStatus {
  const fetched = {
    synced: outcome.tenants,
    failed: outcome.failed,
    kept: outcome.kept,
    unmonitored: outcome.unmonitored,
  };
  // A retry that fetched only the failed organisations: the others were last synced then.
  const lastSyncTime =
    outcome.kept?.length && previous.lastSyncTime ? previous.lastSyncTime : now.toISOString();
  const open = Object.values(outcome.openByCheck).reduce((a, b) => a + b, 0);
  return {
    conditions: [
      tokenValidCondition(outcome.grant.expiresAt),
      syncedCondition(fetched, outcome.syncedUsers),
      evaluatedCondition(open, outcome.disconnected, outcome.invalidAlertTarget),
    ],
    fields: {
      tenants: monitoredTenants(fetched, previous.tenants, now),
      lastSyncTime,
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
  now: Date = new Date(),
): SyncStatus {
  const conditions: ConditionInput[] = [];
  const fields: Partial<XeroConnectionStatus> = {};
  if (progress.grant && failure.condition !== 'Authenticated') {
    conditions.push(tokenValidCondition(progress.grant.expiresAt));
    fields.accessTokenExpiresAt = progress.grant.expiresAt.toISOString();
  }
  const { fetched } = progress;
  if (fetched && fetched.failed.length > 0) {
    // Which organisations fail, and since when, even though nothing of this sync is reported.
    fields.tenants = tenantsWithFailures(fetched, previous.tenants, now);
  }
  if (progress.syncedUsers !== undefined && failure.condition === 'PoliciesEvaluated') {
    conditions.push(
      fetched && fetched.failed.length > 0
        ? syncedCondition(fetched, progress.syncedUsers)
        : {
            type: 'Synced',
            status: 'True',
            reason: 'Synced',
            message: `${progress.syncedUsers} users with access.`,
          },
    );
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

/**
 * A failed sync whose connection's last snapshots were evaluated against today's staff directory
 * (reconcile/last-snapshots-evaluation.ts): the open findings in the status fields, and
 * PoliciesEvaluated (still Unknown: no current user list was checked) says what ran.
 */
export function withLastSnapshotsEvaluated(
  report: SyncStatus,
  openByCheck: Readonly<Record<string, number>>,
  previous: XeroConnectionStatus,
): SyncStatus {
  const open = openFindingsStatus(openByCheck, previous.findings);
  const notRun = `${STEP_NOT_DONE.PoliciesEvaluated}: `;
  return {
    conditions: report.conditions.map((condition) =>
      condition.type === 'PoliciesEvaluated'
        ? {
            ...condition,
            message: `The access checks ran on the last snapshots only, against today's staff directory and links: ${open.openFindings} open findings. ${condition.message.replace(notRun, '')}`,
          }
        : condition,
    ),
    fields: { ...report.fields, ...open },
  };
}
