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

/**
 * Reasons of failures the classifier could not name: a bug, a database error that is no outage, a
 * policy bundle that fails on its input. Their message is short (a database error's names only its
 * kind: the status is readable by anyone who may get the XeroConnection) and points to the log,
 * so the log line has the error itself (`err`: type, message without SQL, stack, code, causes).
 */
const UNEXPECTED_REASONS: ReadonlySet<string> = new Set(['InternalError', 'EvaluationFailed']);

export function isUnexpectedFailure(failure: ClassifiedFailure): boolean {
  return UNEXPECTED_REASONS.has(failure.reason);
}

/**
 * What a failure's log line adds about the error behind it: `err` (the logger's serializeError
 * reduces it: no SQL, no values, no request or response) when the classifier could not name it
 * (isUnexpectedFailure), nothing for one it names (its message says it all). When every
 * organisation failed: the first such organisation's error, and its `tenantId`.
 */
export function unexpectedErrorFields(
  error: unknown,
  failure: ClassifiedFailure,
): { err?: unknown; tenantId?: string } {
  if (error instanceof TenantsFailedError) {
    const unexpected = error.failures.find((f) => isUnexpectedFailure(f.failure));
    return unexpected ? { err: unexpected.error, tenantId: unexpected.tenant.tenantId } : {};
  }
  return isUnexpectedFailure(failure) ? { err: error } : {};
}

/** Status is readable by anyone who may get the XeroConnection: a database error's SQL stays in the log. */
function describeOther(error: unknown): string {
  const kind = databaseErrorKind(error);
  if (kind) return `a database error (${kind}); the reconciler log has the details`;
  return error instanceof Error ? error.message : String(error);
}
