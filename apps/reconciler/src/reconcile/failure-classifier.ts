import type { ConditionType } from '@xero-access/crd';
import { isXeroError } from '@xero-access/xero-client';
import { DatabaseUnavailableError, databaseErrorKind } from '@xero-access/model';
import { describeKubeError, httpStatusOf } from '../kube/http-status.js';
import { NOT_ATTEMPTED, NotAttemptedError } from '../sync/not-attempted.js';
import { TenantTimedOutError } from '../sync/tenant-budget.js';
import { isTokenSecretNotWritable } from '../token/unwritable-token-secret.js';
import { SYNC_TIMED_OUT, SyncTimedOutError } from './sync-deadline.js';
import { TenantsFailedError, tenantsFailure } from './tenant-failures.js';

export type Phase = 'authenticate' | 'sync' | 'evaluate';

export interface ClassifiedFailure {
  /** The condition that turns False. */
  condition: Exclude<ConditionType, 'Ready'>;
  reason: string;
  message: string;
  /** Retry by itself soon (Xero down, rate limit, API server hiccup) rather than wait for a person. */
  transient: boolean;
  /** RateLimited: when the limit allows the next attempt. */
  retryAt?: Date;
}

const AUTH_REASONS = new Set([
  'InvalidSpec',
  'InvalidCredentials',
  'ReauthorizationRequired',
  'Unauthorized',
]);
const PHASE_CONDITION = {
  authenticate: 'Authenticated',
  sync: 'Synced',
  evaluate: 'PoliciesEvaluated',
} as const;

/**
 * Turns a failure into the condition a person reads: the troubleshooting map's reason and
 * message for Xero failures; a short description (never a stack trace) for anything else.
 */
export function classifyFailure(error: unknown, phase: Phase): ClassifiedFailure {
  // Each organisation's failure is classified already.
  if (error instanceof TenantsFailedError) return tenantsFailure(error.failures);
  if (isXeroError(error)) {
    const condition = AUTH_REASONS.has(error.reason)
      ? 'Authenticated'
      : phase === 'authenticate'
        ? 'Authenticated'
        : 'Synced';
    return {
      condition,
      reason: error.reason,
      message: error.message,
      transient: error.transient || error.reason === 'InvalidResponse',
      ...(error.retryAt ? { retryAt: error.retryAt } : {}),
    };
  }
  // Whenever the token was refreshed (a forced refresh mid-sync included), it is authentication's.
  if (isTokenSecretNotWritable(error)) {
    return {
      condition: 'Authenticated',
      reason: error.reason,
      message: error.message,
      transient: error.transient,
    };
  }
  if (error instanceof SyncTimedOutError || error instanceof TenantTimedOutError) {
    return {
      condition: PHASE_CONDITION[phase],
      reason: SYNC_TIMED_OUT,
      message: error.message,
      transient: true,
    };
  }
  // An organisation the sync did not reach before its deadline: not called, so not timed out.
  if (error instanceof NotAttemptedError) {
    return { condition: 'Synced', reason: NOT_ATTEMPTED, message: error.message, transient: true };
  }
  if (error instanceof DatabaseUnavailableError) {
    return {
      condition: PHASE_CONDITION[phase],
      reason: 'DatabaseUnavailable',
      message: error.message,
      transient: true,
    };
  }
  const status = httpStatusOf(error);
  if (status !== undefined) {
    return {
      condition: PHASE_CONDITION[phase],
      reason: status === 403 ? 'Forbidden' : 'KubernetesError',
      message: `The Kubernetes API answered ${describeKubeError(error)}${status === 403 ? ': check the reconciler RBAC' : ''}.`,
      transient: status !== 403,
    };
  }
  const text = describeOther(error);
  if (phase === 'evaluate') {
    return {
      condition: 'PoliciesEvaluated',
      reason: 'EvaluationFailed',
      message: `Evaluating the access checks failed: ${text}`,
      transient: true,
    };
  }
  return {
    condition: PHASE_CONDITION[phase],
    reason: 'InternalError',
    message: `The reconciler failed: ${text}`,
    transient: true,
  };
}

/** Status is readable by anyone who may get the XeroConnection: a database error's SQL stays in the log. */
function describeOther(error: unknown): string {
  const kind = databaseErrorKind(error);
  if (kind) return `a database error (${kind}); the reconciler log has the details`;
  return error instanceof Error ? error.message : String(error);
}
