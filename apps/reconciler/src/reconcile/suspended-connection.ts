import type { XeroConnection, XeroConnectionCondition } from '@xero-access/crd';
import type { ReconcileResult } from '../controller/controller.js';
import { recordReadyChange, warningsAbout } from '../events/connection-events.js';
import { changedOpenFindings } from '../findings/changed-open-findings.js';
import type { StatusPatch } from '../kube/xero-connection-api.js';
import { findCondition, setCondition, type ConditionInput } from '../status/conditions.js';
import { tokenValidCondition } from '../status/authenticated-condition.js';
import { readAppCredentials } from '../token/credentials-secret.js';
import type { KeepAliveOutcome } from '../token/token-manager.js';
import type { ConnectionReconcilerDeps } from './connection-reconciler.js';
import { classifyFailure, type ClassifiedFailure } from './failure-classifier.js';
import { logFailure } from './failure-log.js';
import type { EffectiveSpec } from './spec-defaults.js';
import type { SyncDeadline } from './sync-deadline.js';

/**
 * While suspended, tokens are still kept alive: renewed this often (a refresh token lapses after
 * 60 days unused), not at every resync, which would rotate it whenever the access token expires.
 */
const SUSPENDED_RECHECK_MS = 12 * 3_600_000;

/** What the suspend path needs from the reconciler: its dependencies and its per-key state. */
export interface SuspendedReconcile {
  deps: ConnectionReconcilerDeps;
  /** The work queue key, `namespace/name`. */
  key: string;
  /** Whether someone else changed one of the connection's Secrets since the last look (forgets it). */
  secretChanged: () => boolean;
  /** Clears the failure backoff after the tokens were kept alive. */
  succeeded: () => void;
  /** When to try again after a failure (the backoff, or a rate limit's retry time). */
  retryAfterMs: (failure: ClassifiedFailure) => number;
  /** The reconcile's deadline: a Secret read that hangs is abandoned (SyncTimedOut). */
  deadline: SyncDeadline;
}

/**
 * Suspended: no sync, the status follows the database, and the grant is kept alive. When it
 * cannot be, Ready says why instead of Suspended (with a Warning Event, and the not-Ready alert
 * applies): the grant must be fixed before syncing resumes, or be lost.
 */
export async function reconcileSuspended(
  ctx: SuspendedReconcile,
  connection: XeroConnection,
  spec: EffectiveSpec,
  now: Date,
  fenced: AbortSignal,
): Promise<ReconcileResult> {
  const { namespace, name } = connection.metadata as { namespace: string; name: string };
  const generation = connection.metadata?.generation;
  const previous = connection.status ?? {};
  // Not evaluated while suspended, but its accepted risks still end (the expiry sweep).
  const openFindings = await changedOpenFindings(ctx.deps, connection);
  let conditions = openFindings?.conditions ?? previous.conditions ?? [];
  const set = (input: ConditionInput): void => {
    conditions = setCondition(conditions, input, generation, now);
  };
  const suspendedMessage = 'spec.suspend is true: syncing is paused (tokens are still kept alive).';
  // null removes the field (merge patch): no sync is scheduled while suspended.
  const status: StatusPatch = { ...previous, observedGeneration: generation, nextSyncTime: null };
  let requeueAfterMs = SUSPENDED_RECHECK_MS;
  let failure: ClassifiedFailure | undefined;
  try {
    fenced.throwIfAborted();
    const kept = await keepTokensAlive(ctx, connection, spec, conditions, fenced);
    ctx.succeeded();
    if ('dueAt' in kept) {
      requeueAfterMs = Math.max(kept.dueAt.getTime() - now.getTime(), 0);
    } else {
      set(tokenValidCondition(kept.grant.expiresAt));
      status.accessTokenExpiresAt = kept.grant.expiresAt.toISOString();
      if (kept.grant.refreshTokenRotatedAt)
        status.refreshTokenRotatedAt = kept.grant.refreshTokenRotatedAt.toISOString();
    }
  } catch (error) {
    fenced.throwIfAborted();
    const cause = ctx.deadline.causeOf(error);
    failure = classifyFailure(cause, 'authenticate');
    logFailure(
      ctx.deps.logger,
      'could not keep the tokens of a suspended connection alive',
      { connection: ctx.key },
      cause,
      failure,
    );
    ctx.deps.metrics.reconcileErrors.inc({ reason: failure.reason });
    set({
      type: 'Authenticated',
      status: 'False',
      reason: failure.reason,
      message: failure.message,
    });
    requeueAfterMs = ctx.retryAfterMs(failure);
  }
  set({ type: 'Synced', status: 'False', reason: 'Suspended', message: suspendedMessage });
  const ready: ConditionInput = failure
    ? {
        type: 'Ready',
        status: 'False',
        reason: failure.reason,
        message: `spec.suspend is true: syncing is paused, but the tokens could not be kept alive: ${failure.message}`,
      }
    : { type: 'Ready', status: 'False', reason: 'Suspended', message: suspendedMessage };
  set(ready);
  Object.assign(status, openFindings);
  status.conditions = conditions;
  fenced.throwIfAborted();
  await ctx.deps.api.patchStatus(namespace, name, status, fenced);
  ctx.deps.metrics.setReady(namespace, name, false, ready.reason);
  await recordReadyChange(ctx.deps.events, connection, previous, ready, fenced);
  return { requeueAfterMs };
}

/**
 * The suspended connection's tokens: looked at now when authentication is not known to work or
 * someone changed one of its Secrets, else once SUSPENDED_RECHECK_MS after the last renewal.
 */
async function keepTokensAlive(
  ctx: SuspendedReconcile,
  connection: XeroConnection,
  spec: EffectiveSpec,
  conditions: readonly XeroConnectionCondition[],
  fenced: AbortSignal,
): Promise<KeepAliveOutcome> {
  const secretChanged = ctx.secretChanged();
  const working = findCondition(conditions, 'Authenticated')?.status === 'True';
  const { signal } = ctx.deadline;
  const credentials = await readAppCredentials(
    ctx.deps.core,
    connection.metadata!.namespace!,
    spec,
    signal,
  );
  const client = ctx.deps.clients.for(ctx.key, credentials);
  const maxAgeMs = working && !secretChanged ? SUSPENDED_RECHECK_MS : 0;
  const warn = warningsAbout(ctx.deps.events, connection, 'Authenticate', fenced);
  return ctx.deps.tokens.keepAlive(connection, client, maxAgeMs, warn, signal);
}
