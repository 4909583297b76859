import type { ConnectionRef, Database, SnapshotRecord } from '@xero-access/model';
import type { SelectedTenant, SyncedTenant } from '../sync/tenant-sync.js';

export interface RecordedTenant {
  tenant: SyncedTenant;
  snapshot: SnapshotRecord;
  /** Users whose role is not REMOVED: the ones who can get in. */
  activeUsers: number;
}

export interface RecordedSync {
  recorded: RecordedTenant[];
  /** Users with access in the organisations synced now. */
  syncedUsers: number;
  /** The same over the latest snapshot of every monitored organisation (a failed one's last). */
  userCount: number;
}

/**
 * One immutable snapshot per synced tenant (hash-chained by the model), then the connection row:
 * every monitored tenant, a failed one (no snapshot now) counted with its last snapshot.
 */
export async function recordSnapshots(
  db: Database,
  ref: ConnectionRef,
  fetched: { synced: readonly SyncedTenant[]; failed: readonly { tenant: SelectedTenant }[] },
  criticalSystem: boolean,
): Promise<RecordedSync> {
  const tenants = fetched.synced;
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
  const failed: { tenantId: string; tenantName: string; connectionId: string }[] = [];
  let failedUsers = 0;
  for (const { tenant } of fetched.failed) {
    const last = await db.snapshots.latest(ref, tenant.tenantId);
    failedUsers += last?.activeUserCount ?? 0;
    failed.push({
      tenantId: tenant.tenantId,
      tenantName: tenant.tenantName ?? last?.tenantName ?? tenant.tenantId,
      connectionId: tenant.connectionId,
    });
  }
  const lastSyncAt = tenants.reduce(
    (latest, t) => (t.takenAt > latest ? t.takenAt : latest),
    new Date(0),
  );
  const syncedUsers = recorded.reduce((sum, r) => sum + r.activeUsers, 0);
  await db.connections.upsert(ref, {
    tenants: [
      ...tenants.map((t) => ({
        tenantId: t.tenantId,
        tenantName: t.tenantName,
        connectionId: t.connectionId,
      })),
      ...failed,
    ],
    criticalSystem,
    lastSyncAt,
    userCount: syncedUsers + failedUsers,
  });
  return { recorded, syncedUsers, userCount: syncedUsers + failedUsers };
}
