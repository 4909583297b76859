import { XERO_CONNECTION_FINALIZER, abortOptions, type XeroConnection } from '@xero-access/crd';
import { DatabaseUnavailableError, NotFoundError, withDatabase } from '@xero-access/model';
import { isXeroError } from '@xero-access/xero-client';
import { NEVER_FENCED } from '../controller/fenced.js';
import { whileDeleting } from '../database/reconciler-database.js';
import { describeKubeError, isForbidden, isNotFound } from '../kube/http-status.js';
import { objectKey } from '../kube/object-key.js';
import { selectTenantsFor } from '../sync/tenant-selection.js';
import { readAppCredentials } from '../token/credentials-secret.js';
import { withStaleTokenRetried } from '../token/stale-token-retry.js';
import type { ConnectionReconcilerDeps } from './connection-reconciler.js';
import {
  keptTokenSecretMessage,
  TOKEN_SECRET_KEPT,
  type GrantOnDelete,
} from './kept-token-secret.js';
import { nothingRevokedMessage, planRevocation, revokedMessage } from './revocation-plan.js';
import { effectiveSpec } from './spec-defaults.js';
import type { SyncDeadline } from './sync-deadline.js';

/**
 * The reconcile's time limits (sync-deadline.ts): `signal` for the calls of the deletion's steps,
 * `finishing()` for removing the finalizer once they are done. Without one, only fencing.
 */
export type FinalizeDeadline = Pick<SyncDeadline, 'signal' | 'finishing'>;

/**
 * Deletion: syncing stops (the object is going), the grant is revoked in Xero when
 * spec.revokeGrantOnDelete asks for it, snapshots and findings stay as evidence (the connection
 * row is only marked deleted), then the finalizer goes so Kubernetes can delete the object.
 * While the database is not available the finalizer stays and the deletion is retried (the
 * error goes back to the controller's backoff), reported as DatabaseUnavailable like a sync.
 * Each step first checks `fenced`: a replica that stopped leading leaves the rest to the next.
 * The token Secret stays (a GitOps tool may create the XeroConnection again with it): a Normal
 * Event names it and says whether the grant was revoked.
 */
export async function finalizeConnection(
  deps: ConnectionReconcilerDeps,
  connection: XeroConnection,
  fenced: AbortSignal = NEVER_FENCED,
  deadline: FinalizeDeadline = { signal: fenced, finishing: () => fenced },
): Promise<void> {
  const finalizers = connection.metadata?.finalizers ?? [];
  if (!finalizers.includes(XERO_CONNECTION_FINALIZER)) return;
  const namespace = connection.metadata!.namespace!;
  const name = connection.metadata!.name!;
  const spec = effectiveSpec(connection.spec);

  // The database first: a retry after an outage must not revoke (and report) the grant again.
  fenced.throwIfAborted();
  try {
    await withDatabase(whileDeleting(deps.settings.database), () =>
      deps.db.connections.markDeleted({ namespace, name }),
    );
  } catch (error) {
    if (error instanceof NotFoundError) {
      // Never synced: nothing to keep.
    } else {
      if (error instanceof DatabaseUnavailableError && !fenced.aborted)
        await reportOutage(deps, connection, error);
      throw error;
    }
  }
  fenced.throwIfAborted();
  const grant = spec.revokeGrantOnDelete
    ? await revokeGrant(deps, connection, fenced, deadline.signal)
    : 'kept';
  // The grant's outcome is reported: from here only the finalizer's removal is retried, within
  // a budget of its own, so that no retry revokes (and reports) it again.
  fenced.throwIfAborted();
  await reportTokenSecretKept(deps, connection, grant, fenced, deadline);
  fenced.throwIfAborted();
  await deps.api.removeFinalizer(connection, XERO_CONNECTION_FINALIZER, deadline.finishing());
  deps.logger.info({ connection: `${namespace}/${name}` }, 'finalized: evidence kept');
}

/**
 * Disconnects the organisations the grant reaches now (GET /connections with its token), narrowed
 * as the sync narrows them, except those another live XeroConnection in any namespace monitors too
 * (see planRevocation); nothing to disconnect is a Warning, not a claim of success. Without the
 * right to list every XeroConnection it revokes nothing and says so in a Warning. Fenced before
 * each step: a replica that stopped leading reports nothing and leaves the revocation to the next
 * leader, which redoes it from what Xero lists then. `signal` (the reconcile's deadline) aborts
 * its Kubernetes calls and Xero calls (GET and DELETE /connections): then it is retried, as when
 * fenced. Returns what
 * became of the grant.
 */
async function revokeGrant(
  deps: ConnectionReconcilerDeps,
  connection: XeroConnection,
  fenced: AbortSignal,
  signal: AbortSignal,
): Promise<GrantOnDelete> {
  const namespace = connection.metadata!.namespace!;
  const spec = effectiveSpec(connection.spec);
  // Outside the try: the API server failing is retried, not taken for an unusable grant.
  const others = await everyConnection(deps, signal);
  if ('forbidden' in others) {
    fenced.throwIfAborted();
    await refuseToRevoke(deps, connection, others.forbidden);
    return 'not-revoked';
  }
  try {
    const credentials = await readAppCredentials(deps.core, namespace, spec, signal);
    const client = deps.clients.for(objectKey(connection), credentials);
    fenced.throwIfAborted();
    const plan = await withStaleTokenRetried(
      await deps.tokens.accessToken(connection, client, { signal }),
      () => {
        fenced.throwIfAborted();
        return deps.tokens.accessToken(connection, client, { forceRefresh: true, signal });
      },
      async (grant) => {
        const planned = planRevocation({
          deleting: connection,
          live: await client.accounting.getConnections(grant.accessToken, { signal }),
          selection: selectTenantsFor(namespace, spec, grant.secretTenantId),
          others: others.connections,
        });
        for (const { id } of planned.disconnect) {
          fenced.throwIfAborted();
          await client.accounting.deleteConnection(grant.accessToken, id, { signal });
        }
        return planned;
      },
    );
    fenced.throwIfAborted();
    deps.logger.info(
      {
        connection: `${namespace}/${connection.metadata!.name!}`,
        disconnected: plan.disconnect.map((c) => c.tenantId),
        kept: plan.kept.map((k) => ({ tenantId: k.connection.tenantId, by: k.monitoredBy })),
      },
      plan.nothingBecause ? 'revoked nothing in Xero' : 'grant revoked in Xero',
    );
    if (plan.nothingBecause) {
      await deps.events.record(
        connection,
        'Warning',
        'NothingToRevoke',
        'Delete',
        nothingRevokedMessage(plan),
      );
      return 'not-revoked';
    }
    await deps.events.record(connection, 'Normal', 'GrantRevoked', 'Delete', revokedMessage(plan));
    return plan.kept.length > 0 ? 'partly-revoked' : 'revoked';
  } catch (error) {
    // Fenced, or out of time: the abort goes up untouched, with no Event, to be retried.
    fenced.throwIfAborted();
    signal.throwIfAborted();
    // Xero being briefly away should not lose the revocation: retry. A grant that cannot be
    // used any more (credentials gone, consent revoked) cannot be revoked either: move on.
    if (isXeroError(error) && error.transient) throw error;
    const message = error instanceof Error ? error.message : String(error);
    await deps.events.record(
      connection,
      'Warning',
      'RevokeFailed',
      'Delete',
      `Could not revoke the grant in Xero: ${message}`,
    );
    return 'not-revoked';
  }
}

/**
 * Every XeroConnection in the cluster, not only in the watched namespaces: another release (its
 * own reconciler, its own namespaces) may monitor an organisation of this grant, and revoking
 * would disconnect it there. Listed from the API server, not taken from the watchers' caches:
 * those exist only during a leader term, cover the watched namespaces alone, and lag the API
 * server (a connection created a moment ago). A live connection missing here would have its
 * organisation disconnected for good; one list per revoking deletion is cheap. `forbidden` when
 * RBAC allows less (the Helm chart grants it, even with watchNamespaces set).
 */
async function everyConnection(
  deps: ConnectionReconcilerDeps,
  signal: AbortSignal,
): Promise<{ connections: XeroConnection[] } | { forbidden: string }> {
  try {
    return { connections: await deps.api.list(undefined, signal) };
  } catch (error) {
    if (isForbidden(error)) return { forbidden: describeKubeError(error) };
    throw error;
  }
}

/**
 * Not knowing every XeroConnection, revoking could disconnect an organisation another one
 * monitors: nothing is revoked, and a Warning says why and what to do. The deletion goes on (like
 * a grant that can no longer be used): missing RBAC must not hold the object, or its namespace,
 * forever.
 */
async function refuseToRevoke(
  deps: ConnectionReconcilerDeps,
  connection: XeroConnection,
  forbidden: string,
): Promise<void> {
  deps.logger.warn(
    { connection: objectKey(connection), cause: forbidden },
    'revoked nothing in Xero: XeroConnections cannot be listed in every namespace',
  );
  await deps.events.record(
    connection,
    'Warning',
    'RevokeRefused',
    'Delete',
    'Revoked nothing in Xero: this reconciler may not list XeroConnections in every namespace ' +
      `(${forbidden}), so it cannot tell which organisations of the grant another XeroConnection ` +
      '(in a namespace another release watches) monitors too; the grant stays connected. Allow it ' +
      'get and list on xeroconnections cluster-wide (the Helm chart does), or disconnect in Xero ' +
      'yourself the organisations no other XeroConnection monitors.',
  );
}

/**
 * The operator never deletes the token Secret: no ownerReference either, since GitOps tools create
 * the XeroConnection again with it. A Normal Event names the Secret left behind, whether its
 * refresh token still works, and how to delete it. None when the Secret does not exist (no consent
 * was completed); one whose read fails is taken to exist.
 */
async function reportTokenSecretKept(
  deps: ConnectionReconcilerDeps,
  connection: XeroConnection,
  grant: GrantOnDelete,
  fenced: AbortSignal,
  deadline: FinalizeDeadline,
): Promise<void> {
  const secretName = connection.spec.tokenSecretRef?.name;
  if (connection.spec.authFlow === 'ClientCredentials' || !secretName) return;
  const namespace = connection.metadata!.namespace!;
  try {
    await deps.core.readNamespacedSecret(
      { namespace, name: secretName },
      abortOptions(deadline.finishing()),
    );
  } catch (error) {
    if (isNotFound(error)) return;
  }
  fenced.throwIfAborted();
  await deps.events.record(
    connection,
    'Normal',
    TOKEN_SECRET_KEPT,
    'Delete',
    keptTokenSecretMessage(namespace, secretName, grant),
    deadline.finishing(),
  );
}

/** The same reason and message a sync reports, as a Warning Event on the deleting object. */
async function reportOutage(
  deps: ConnectionReconcilerDeps,
  connection: XeroConnection,
  error: DatabaseUnavailableError,
): Promise<void> {
  const { namespace, name } = connection.metadata as { namespace: string; name: string };
  deps.logger.warn(
    {
      connection: `${namespace}/${name}`,
      reason: 'DatabaseUnavailable',
      database: error.database,
      kind: error.kind,
      cause: error.causeCode,
    },
    'finalizer waits for the database; retrying',
  );
  deps.metrics.reconcileErrors.inc({ reason: 'DatabaseUnavailable' });
  await deps.events.record(connection, 'Warning', 'DatabaseUnavailable', 'Delete', error.message);
}
