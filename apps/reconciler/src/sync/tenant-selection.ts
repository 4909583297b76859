import type { XeroConnectionSpec } from '@xero-access/crd';
import { TOKEN_SECRET_KEYS } from '@xero-access/xero-client';
import { SYNC_TIMED_OUT } from '../reconcile/sync-deadline.js';
import { describeTokenSecret } from '../token/token-secret.js';
import { NOT_ATTEMPTED } from './not-attempted.js';

/** Which organisations of the grant a sync monitors. */
export interface TenantSelection {
  /** The one tenant to monitor; every tenant of the grant when null. */
  tenantId: string | null;
  /** Where tenantId comes from. */
  from: 'spec' | 'secret' | null;
  /** The token Secret as messages name it. */
  tokenSecret: string;
  /** The token Secret's tenant_id, when spec.tenantId overrides a different one. */
  overriddenSecretTenantId: string | null;
}

/**
 * spec.tenantId, else the token Secret's tenant_id (a Mage-style pre-filled token set names the
 * organisation it was issued for), else every tenant of the grant. Both set and different:
 * spec.tenantId wins. `tokenSecret` names the Secret in messages.
 */
export function selectTenants(
  spec: Pick<XeroConnectionSpec, 'tenantId'>,
  secretTenantId: string | null,
  tokenSecret: string,
): TenantSelection {
  if (spec.tenantId) {
    const differs =
      secretTenantId !== null && secretTenantId.toLowerCase() !== spec.tenantId.toLowerCase();
    return {
      tenantId: spec.tenantId,
      from: 'spec',
      tokenSecret,
      overriddenSecretTenantId: differs ? secretTenantId : null,
    };
  }
  if (secretTenantId)
    return {
      tenantId: secretTenantId,
      from: 'secret',
      tokenSecret,
      overriddenSecretTenantId: null,
    };
  return { tenantId: null, from: null, tokenSecret, overriddenSecretTenantId: null };
}

/** selectTenants for a connection in `namespace`, naming its token Secret as messages do. */
export function selectTenantsFor(
  namespace: string,
  spec: Pick<XeroConnectionSpec, 'tenantId' | 'tokenSecretRef'>,
  secretTenantId: string | null,
): TenantSelection {
  const tokenSecret = describeTokenSecret(namespace, spec.tokenSecretRef?.name ?? '');
  return selectTenants(spec, secretTenantId, tokenSecret);
}

/** Where a selected tenant id comes from, as messages name it. */
export function selectionSource(selection: TenantSelection): string {
  return selection.from === 'secret'
    ? `key ${TOKEN_SECRET_KEYS.tenantId} of ${selection.tokenSecret}`
    : 'spec.tenantId';
}

/**
 * The grant's connections (GET /connections) the selection monitors: every one, or those to the
 * selected tenant (none when it is not connected). Tenant ids compare case-insensitively.
 */
export function selectedConnections<T extends { tenantId: string }>(
  connections: T[],
  selection: Pick<TenantSelection, 'tenantId'>,
): T[] {
  if (!selection.tenantId) return connections;
  const wanted = selection.tenantId.toLowerCase();
  return connections.filter((c) => c.tenantId.toLowerCase() === wanted);
}

/**
 * A retry's split of the grant's organisations: those the partial sync synced (`syncedIds`,
 * lower-case) are kept, their last sync standing; every other one (failed then, or connected
 * since) is fetched.
 */
export function retrySplit<T extends { tenantId: string }>(
  connections: T[],
  syncedIds: ReadonlySet<string>,
): { fetch: T[]; kept: T[] } {
  const synced = (c: T): boolean => syncedIds.has(c.tenantId.toLowerCase());
  return { fetch: connections.filter((c) => !synced(c)), kept: connections.filter(synced) };
}

/** An organisation as the last pass left it (status.tenants): only its failure's reason counts here. */
export interface LastPassTenant {
  tenantId?: string;
  syncFailure?: { reason: string };
}

/**
 * The order a pass fetches the organisations in, which is the order the lanes take them: those the
 * last pass did not reach (NotAttempted) first, those that timed out in it (SyncTimedOut) last,
 * the others in GET /connections order between them. In GET /connections order alone, the ones
 * that hung would take the lanes first again at every retry, and those after them would never be
 * reached.
 */
export function passOrder<T extends { tenantId: string }>(
  connections: readonly T[],
  last: readonly LastPassTenant[] | undefined,
): T[] {
  const reasons = new Map(
    (last ?? []).map((t) => [t.tenantId?.toLowerCase(), t.syncFailure?.reason]),
  );
  const rank = (c: T): number => {
    const reason = reasons.get(c.tenantId.toLowerCase());
    return reason === NOT_ATTEMPTED ? 0 : reason === SYNC_TIMED_OUT ? 2 : 1;
  };
  return [...connections].sort((a, b) => rank(a) - rank(b));
}

/** The Warning when spec.tenantId overrides the token Secret's tenant_id (tenant ids only). */
export function tenantMismatchMessage(selection: TenantSelection): string {
  const { tenantId, overriddenSecretTenantId, tokenSecret } = selection;
  return (
    `spec.tenantId ${tenantId} and key ${TOKEN_SECRET_KEYS.tenantId} of ${tokenSecret} (${overriddenSecretTenantId}) ` +
    `name different organisations: monitoring ${tenantId} only, as spec.tenantId wins. ` +
    `Remove ${TOKEN_SECRET_KEYS.tenantId} from the Secret, or make the two agree.`
  );
}
