import type { XeroConnection } from '@xero-access/crd';
import { withDatabase, type ConnectionRef } from '@xero-access/model';
import type { XeroClient } from '@xero-access/xero-client';
import { warningsAbout } from '../events/connection-events.js';
import { disconnectedTenants } from '../findings/disconnected-tenants.js';
import { evaluateAndApply } from '../findings/evaluate-and-apply.js';
import { openFindingSeries } from '../findings/open-findings.js';
import { objectKey } from '../kube/object-key.js';
import { recordSnapshots } from '../snapshot/record-snapshots.js';
import {
  selectTenantsFor,
  tenantMismatchMessage,
  type TenantSelection,
} from '../sync/tenant-selection.js';
import { syncTenants } from '../sync/tenant-sync.js';
import { readAppCredentials } from '../token/credentials-secret.js';
import { withStaleTokenRetried } from '../token/stale-token-retry.js';
import type { AccessGrant } from '../token/token-manager.js';
import type { ConnectionReconcilerDeps } from './connection-reconciler.js';
import { classifyFailure } from './failure-classifier.js';
import { logTenantFailures } from './failure-log.js';
import type { EffectiveSpec } from './spec-defaults.js';
import type { SyncDeadline } from './sync-deadline.js';
import { SupersededSyncError } from './superseded-sync.js';
import type { FetchedTenants, Progress, SyncOutcome } from './sync-outcome.js';
import { TenantsFailedError } from './tenant-failures.js';
import type { TenantRetry } from './tenant-retries.js';

/** What the sync needs from the reconciler: its dependencies and its per-key state. */
export interface RunSync {
  deps: ConnectionReconcilerDeps;
  /** spec.tenantId and the token Secret's tenant_id last reported as differing, by connection key. */
  tenantMismatches: Map<string, string>;
}

/**
 * One sync: tokens → /connections, Organisation, Users → snapshots → policy evaluation →
 * findings. `progress` says how far it got when it throws.
 */
export async function syncAndEvaluate(
  ctx: RunSync,
  connection: XeroConnection,
  spec: EffectiveSpec,
  ref: ConnectionRef,
  now: Date,
  progress: Progress,
  fenced: AbortSignal,
  deadline: SyncDeadline,
  retry: TenantRetry | undefined,
): Promise<SyncOutcome> {
  const { db, tokens } = ctx.deps;
  const enter = (phase: Progress['phase']): void => {
    progress.phase = phase;
  };
  enter('authenticate');
  const { signal } = deadline;
  const credentials = await readAppCredentials(ctx.deps.core, ref.namespace, spec, signal);
  const client = ctx.deps.clients.for(objectKey(connection), credentials);
  const warn = warningsAbout(ctx.deps.events, connection, 'Authenticate', fenced);
  fenced.throwIfAborted();
  let grant = await tokens.accessToken(connection, client, { warn, signal });
  progress.grant = grant;

  enter('sync');
  // A token refresh is not aborted (its rotated set is always written back): it may take the time.
  deadline.signal.throwIfAborted();
  const fetched = await withStaleTokenRetried(
    grant,
    async () => {
      enter('authenticate');
      fenced.throwIfAborted();
      grant = await tokens.accessToken(connection, client, { forceRefresh: true, warn, signal });
      progress.grant = grant;
      enter('sync');
      return grant;
    },
    (current) =>
      syncSelectedTenants(ctx, connection, spec, client, current, deadline, retry?.syncedIds),
  );
  // Fenced: the organisations' failures are the abort's; nothing is recorded or reported.
  fenced.throwIfAborted();
  progress.fetched = fetched;
  const tenants = fetched.synced;
  const kept = fetched.kept ?? [];
  if (tenants.length === 0 && kept.length === 0) throw new TenantsFailedError(fetched.failed);
  logTenantFailures(ctx.deps.logger, objectKey(connection), fetched.failed);
  // Database calls: an outage becomes DatabaseUnavailable (retried), not an internal error.
  const database = <T>(call: () => Promise<T>): Promise<T> =>
    withDatabase(ctx.deps.settings.database, call);
  // From here the Xero data is in: snapshots, the connection row and findings are recorded
  // together, past the deadline too (only fencing stops it, before a write).
  fenced.throwIfAborted();
  const recorded = await database(() =>
    recordSnapshots(db, ref, fetched, spec.criticalSystem, ctx.deps.logger),
  );
  progress.syncedUsers = recorded.syncedUsers;

  enter('evaluate');
  // A failed organisation's last snapshot is evaluated too, against the staff directory and links
  // as they are now: a member offboarded since, whom it shows with access, is a finding of that
  // snapshot, and its grace period's end brings the next sync. It opens findings, never resolves
  // any (the model's ApplyOptions): its users are not today's.
  const snapshots = [
    ...recorded.recorded.map((r) => ({ snapshotId: r.snapshot.id, fetchedNow: true })),
    ...recorded.lastOfFailed.map((snapshot) => ({ snapshotId: snapshot.id, fetchedNow: false })),
  ];
  const evaluated = await evaluateAndApply(
    ctx.deps,
    connection,
    spec,
    ref,
    snapshots,
    now,
    fenced,
    deadline,
  );
  const { applied } = evaluated;
  if (applied.stale.length > 0)
    throw new SupersededSyncError(objectKey(connection), applied.stale, applied.transitions);
  return {
    grant,
    tenants,
    failed: fetched.failed,
    kept,
    ...(fetched.unmonitored ? { unmonitored: fetched.unmonitored } : {}),
    syncedUsers: recorded.syncedUsers,
    userCount: recorded.userCount,
    openByCheck: applied.openByCheck,
    // A failed organisation, or one a retry kept, is still monitored: not listed as disconnected.
    disconnected: await database(() =>
      disconnectedTenants(db, ref, [...tenants, ...kept, ...fetched.failed.map((f) => f.tenant)]),
    ),
    openSeries: await database(() => openFindingSeries(db, ref)),
    transitions: applied.transitions,
    nextAcceptanceExpiry: applied.nextAcceptanceExpiry,
    reevaluateAt: evaluated.reevaluateAt,
    ...(evaluated.invalidAlertTarget ? { invalidAlertTarget: evaluated.invalidAlertTarget } : {}),
  };
}

/**
 * Syncs spec.tenantId, else the token Secret's tenant_id, else every tenant of the grant (a
 * retry: all but those in `keep`), each on its own, in the order the last pass's status.tenants
 * gives (passOrder): the failed ones come back classified (SyncTimedOut once the deadline or the
 * organisation's own time passed, NotAttempted when not reached before the deadline).
 */
async function syncSelectedTenants(
  ctx: RunSync,
  connection: XeroConnection,
  spec: EffectiveSpec,
  client: XeroClient,
  grant: AccessGrant,
  deadline: SyncDeadline,
  keep: ReadonlySet<string> | undefined,
): Promise<FetchedTenants> {
  const namespace = connection.metadata!.namespace!;
  const selection = selectTenantsFor(namespace, spec, grant.secretTenantId);
  await reportTenantMismatch(ctx, connection, selection, deadline.signal);
  const { synced, failed, kept, unmonitored } = await syncTenants(
    client,
    grant.accessToken,
    selection,
    { signal: deadline.signal, waitUntil: deadline.at },
    { keep, last: connection.status?.tenants },
  );
  return {
    synced,
    kept,
    ...(unmonitored ? { unmonitored } : {}),
    failed: failed.map(({ error, ...tenant }) => {
      const cause = deadline.causeOf(error);
      return { tenant, failure: classifyFailure(cause, 'sync'), error: cause };
    }),
  };
}

/**
 * Says once (per pair of tenant ids, per process) that spec.tenantId overrides tenant_id: a
 * `TenantIdMismatch` Warning Event, and a log line with both ids and the token Secret's name.
 */
export async function reportTenantMismatch(
  ctx: RunSync,
  connection: XeroConnection,
  selection: TenantSelection,
  signal: AbortSignal,
): Promise<void> {
  const key = `${connection.metadata!.namespace!}/${connection.metadata!.name!}`;
  if (!selection.overriddenSecretTenantId) {
    ctx.tenantMismatches.delete(key);
    return;
  }
  const pair = `${selection.tenantId} ${selection.overriddenSecretTenantId}`.toLowerCase();
  if (ctx.tenantMismatches.get(key) === pair) return;
  signal.throwIfAborted();
  ctx.tenantMismatches.set(key, pair);
  ctx.deps.logger.warn(
    {
      connection: key,
      tenantId: selection.tenantId,
      secretTenantId: selection.overriddenSecretTenantId,
      tokenSecret: connection.spec.tokenSecretRef?.name,
      eventReason: 'TenantIdMismatch',
    },
    "spec.tenantId and the token Secret's tenant_id name different organisations: monitoring spec.tenantId only",
  );
  const message = tenantMismatchMessage(selection);
  await ctx.deps.events.record(connection, 'Warning', 'TenantIdMismatch', 'Sync', message, signal);
}
