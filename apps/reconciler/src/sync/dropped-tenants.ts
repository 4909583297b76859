import type { MonitoredTenant } from '@xero-access/crd';

/** The tenants the last sync monitored that this one did not. */
export function droppedTenants(
  before: readonly MonitoredTenant[] | undefined,
  now: readonly { tenantId: string }[],
): MonitoredTenant[] {
  const current = new Set(now.map((t) => t.tenantId.toLowerCase()));
  return (before ?? []).filter((t) => t.tenantId && !current.has(t.tenantId.toLowerCase()));
}

/** The Warning a platform team sees when an organisation stops being monitored. */
export function droppedTenantMessage(tenant: MonitoredTenant): string {
  return (
    `Organisation ${tenant.tenantName ?? tenant.tenantId} (tenant ${tenant.tenantId}) is no longer monitored: ` +
    'it is not in GET /connections of this grant any more, or spec.tenantId names another organisation. ' +
    'Its open findings stay as of its last snapshot (status.disconnectedTenants lists it while it has any); ' +
    'reconnect it (authorize again) to monitor it again.'
  );
}
