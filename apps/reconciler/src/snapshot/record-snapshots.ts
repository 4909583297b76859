import type { ConnectionRef, Database, SnapshotRecord } from '@xero-access/model';
import type { SyncedTenant } from '../sync/tenant-sync.js';

export interface RecordedTenant {
  tenant: SyncedTenant;
  snapshot: SnapshotRecord;
  /** Users whose role is not REMOVED: the ones who can get in. */
  activeUsers: number;
}

/** One immutable snapshot per tenant (hash-chained by the model), then the connection row. */
export async function recordSnapshots(
  db: Database,
  ref: ConnectionRef,
  tenants: readonly SyncedTenant[],
  criticalSystem: boolean,
): Promise<RecordedTenant[]> {
  const recorded: RecordedTenant[] = [];
  for (const tenant of tenants) {
    const snapshot = await db.snapshots.record(
      ref,
      { tenantId: tenant.tenantId, tenantName: tenant.tenantName },
      tenant.users,
      tenant.takenAt,
    );
    recorded.push({
      tenant,
      snapshot,
      activeUsers: snapshot.activeUserCount,
    });
  }
  const lastSyncAt = tenants.reduce(
    (latest, t) => (t.takenAt > latest ? t.takenAt : latest),
    new Date(0),
  );
  await db.connections.upsert(ref, {
    tenants: tenants.map((t) => ({
      tenantId: t.tenantId,
      tenantName: t.tenantName,
      connectionId: t.connectionId,
    })),
    criticalSystem,
    lastSyncAt,
    userCount: recorded.reduce((sum, r) => sum + r.activeUsers, 0),
  });
  return recorded;
}
