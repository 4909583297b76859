import type { MonitoredTenant, TenantSyncFailure } from '@xero-access/crd';
import type { FetchedTenants, TenantFailure } from '../reconcile/sync-outcome.js';
import { describeTenantFailures } from '../reconcile/tenant-failures.js';
import type { SelectedTenant } from '../sync/tenant-sync.js';
import type { ConditionInput } from './conditions.js';

/** The Synced reason when some organisations were synced and recorded, and others failed. */
export const PARTIALLY_SYNCED = 'PartiallySynced';

const sameTenant = (a: { tenantId?: string }, b: { tenantId?: string }): boolean =>
  a.tenantId?.toLowerCase() === b.tenantId?.toLowerCase();

function monitored(
  tenant: SelectedTenant,
  previous: readonly MonitoredTenant[] | undefined,
  failure?: TenantSyncFailure,
): MonitoredTenant {
  // A failed organisation may have no name from GET /connections: the one it had stays.
  const name = tenant.tenantName ?? previous?.find((t) => sameTenant(t, tenant))?.tenantName;
  return {
    tenantId: tenant.tenantId,
    ...(name ? { tenantName: name } : {}),
    tenantType: tenant.tenantType,
    connectionId: tenant.connectionId,
    ...(failure ? { syncFailure: failure } : {}),
  };
}

/** A failed organisation's syncFailure: `since` stays while it keeps failing, as lastTransitionTime does. */
function syncFailure(
  { tenant, failure }: TenantFailure,
  previous: readonly MonitoredTenant[] | undefined,
  now: Date,
): TenantSyncFailure {
  const before = previous?.find((t) => sameTenant(t, tenant))?.syncFailure;
  return {
    reason: failure.reason,
    message: failure.message,
    since: before?.since ?? now.toISOString(),
  };
}

/**
 * status.tenants after a sync that recorded what it fetched: every organisation it selected, the
 * synced ones first (then those a retry kept, as they were), a failed one with its syncFailure. An
 * organisation not among them any more is gone from the list (and reported as disconnected).
 */
export function monitoredTenants(
  fetched: FetchedTenants,
  previous: readonly MonitoredTenant[] | undefined,
  now: Date,
): MonitoredTenant[] {
  return [
    ...fetched.synced.map((tenant) => monitored(tenant, previous)),
    ...(fetched.kept ?? []).map((tenant) => monitored(tenant, previous)),
    ...fetched.failed.map((f) => monitored(f.tenant, previous, syncFailure(f, previous, now))),
  ];
}

/**
 * status.tenants after a sync that recorded nothing (every organisation failed, or a later step
 * did): the list as it was, with each failed organisation's syncFailure set and a synced one's
 * cleared; organisations new to the list are added. None is removed: only a recorded sync says
 * that an organisation is no longer monitored (with its TenantDisconnected Event).
 */
export function tenantsWithFailures(
  fetched: FetchedTenants,
  previous: readonly MonitoredTenant[] | undefined,
  now: Date,
): MonitoredTenant[] {
  const current = monitoredTenants(fetched, previous, now);
  const kept = (previous ?? []).map(
    (before) => current.find((t) => sameTenant(t, before)) ?? before,
  );
  const added = current.filter((t) => !kept.some((k) => sameTenant(k, t)));
  return [...kept, ...added];
}

/**
 * Synced for a sync that fetched `fetched` (`syncedUsers`: the users with access in the
 * organisations it synced, or a retry kept): True when every organisation was synced; False with
 * reason PartiallySynced, naming each failed organisation and why, when some failed (the others
 * were recorded and evaluated all the same).
 */
export function syncedCondition(fetched: FetchedTenants, syncedUsers: number): ConditionInput {
  const syncedTenants = [...fetched.synced, ...(fetched.kept ?? [])];
  const names = syncedTenants.map((t) => t.tenantName ?? `tenant ${t.tenantId}`).join(', ');
  const synced = `${syncedUsers} users with access in ${names}`;
  const narrowed = unmonitoredNote(fetched.unmonitored);
  if (fetched.failed.length === 0)
    return { type: 'Synced', status: 'True', reason: 'Synced', message: `${synced}.${narrowed}` };
  const total = syncedTenants.length + fetched.failed.length;
  return {
    type: 'Synced',
    status: 'False',
    reason: PARTIALLY_SYNCED,
    message:
      `Synced ${syncedTenants.length} of ${total} organisations (${synced}); ` +
      `not synced: ${describeTenantFailures(fetched.failed)}. ` +
      'Findings of an organisation not synced stay as of its last snapshot; the sync is retried automatically.' +
      narrowed,
  };
}

/** ` The grant reaches N more organisations, not monitored: …` or nothing. */
function unmonitoredNote(unmonitored: FetchedTenants['unmonitored']): string {
  if (!unmonitored) return '';
  const { count, selectedBy } = unmonitored;
  const more = count === 1 ? '1 more organisation' : `${count} more organisations`;
  return ` The grant reaches ${more}, not monitored: ${selectedBy} selects this one (set spec.tenantId to keep it so, or remove that key to monitor every organisation).`;
}
