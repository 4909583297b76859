import type { DisconnectedTenant } from '@xero-access/crd';
import type { ConnectionRef, Database } from '@xero-access/model';

/**
 * The organisations with open findings that the connection does not monitor now, read from the
 * database (level-triggered: a restart or a missed TenantDisconnected Event hides none of them),
 * sorted by tenant id.
 */
export async function disconnectedTenants(
  db: Database,
  ref: ConnectionRef,
  monitored: readonly { tenantId?: string }[],
): Promise<DisconnectedTenant[]> {
  const current = new Set(monitored.map((t) => t.tenantId?.toLowerCase()));
  const openByTenant = Object.entries(await db.findings.openCountsByTenant(ref))
    .filter(([tenantId]) => !current.has(tenantId.toLowerCase()))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const result: DisconnectedTenant[] = [];
  for (const [tenantId, openFindings] of openByTenant) {
    const last = await db.snapshots.latest(ref, tenantId);
    result.push({
      tenantId,
      ...(last ? { tenantName: last.tenantName, lastSyncTime: last.takenAt.toISOString() } : {}),
      openFindings,
    });
  }
  return result;
}
