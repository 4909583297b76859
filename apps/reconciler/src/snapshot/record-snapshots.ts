import {
  connectionKey,
  type ConnectionRef,
  type Database,
  type SnapshotRecord,
} from '@xero-access/model';
import type { Logger } from '../logging/logger.js';
import type { SelectedTenant, SyncedTenant } from '../sync/tenant-sync.js';

export interface RecordedTenant {
  tenant: SyncedTenant;
  snapshot: SnapshotRecord;
  /** Users whose role is not REMOVED: the ones who can get in. */
  activeUsers: number;
}

export interface RecordedSync {
  recorded: RecordedTenant[];
  /** Users with access in the organisations synced now, and in those kept as of their last snapshot. */
  syncedUsers: number;
  /** The same over the latest snapshot of every monitored organisation (a failed one's last). */
  userCount: number;
  /** The latest snapshot of each failed organisation that has one: evaluated again (run-sync.ts). */
  lastOfFailed: SnapshotRecord[];
}

/**
 * One immutable snapshot per synced tenant (hash-chained by the model), then the connection row:
 * every monitored tenant, a failed one or one a retry kept (no snapshot now) counted with its last
 * snapshot. A retry (some kept) leaves the row's lastSyncAt at the sync it retries, as the status
 * keeps lastSyncTime. lastSyncAt is the latest takenAt recorded: the model records a snapshot this
 * replica's clock dates before the tenant's previous one 1 ms after it, and that is warned of.
 */
export async function recordSnapshots(
  db: Database,
  ref: ConnectionRef,
  fetched: {
    synced: readonly SyncedTenant[];
    failed: readonly { tenant: SelectedTenant }[];
    kept?: readonly SelectedTenant[];
  },
  criticalSystem: boolean,
  logger: Pick<Logger, 'warn'>,
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
    // How far the given takenAt is before the previous snapshot's (recorded 1 ms after that).
    const behindMs = snapshot.takenAt.getTime() - 1 - tenant.takenAt.getTime();
    if (behindMs > 0)
      logger.warn(
        {
          connection: connectionKey(ref),
          tenantId: tenant.tenantId,
          takenAt: tenant.takenAt.toISOString(),
          recordedTakenAt: snapshot.takenAt.toISOString(),
          behindMs,
        },
        "this replica's clock is behind the one that recorded the organisation's previous snapshot: recorded 1 ms after that one; keep the replicas' clocks in step (NTP)",
      );
    recorded.push({
      tenant,
      snapshot,
      activeUsers: snapshot.activeUserCount,
    });
  }
  const kept = await asLastRecorded(db, ref, fetched.kept ?? []);
  const failed = await asLastRecorded(
    db,
    ref,
    fetched.failed.map((f) => f.tenant),
  );
  const lastSyncAt = recorded.reduce(
    (latest, { snapshot }) => (snapshot.takenAt > latest ? snapshot.takenAt : latest),
    new Date(0),
  );
  const syncedUsers = recorded.reduce((sum, r) => sum + r.activeUsers, kept.users);
  await db.connections.upsert(ref, {
    tenants: [
      ...tenants.map((t) => ({
        tenantId: t.tenantId,
        tenantName: t.tenantName,
        connectionId: t.connectionId,
      })),
      ...kept.rows,
      ...failed.rows,
    ],
    criticalSystem,
    ...(kept.rows.length === 0 ? { lastSyncAt } : {}),
    userCount: syncedUsers + failed.users,
  });
  return {
    recorded,
    syncedUsers,
    userCount: syncedUsers + failed.users,
    lastOfFailed: failed.snapshots,
  };
}

/** Organisations not fetched now, as their last snapshot has them: rows, users with access, snapshots. */
async function asLastRecorded(
  db: Database,
  ref: ConnectionRef,
  tenants: readonly SelectedTenant[],
): Promise<{
  rows: { tenantId: string; tenantName: string; connectionId: string }[];
  users: number;
  snapshots: SnapshotRecord[];
}> {
  const rows: { tenantId: string; tenantName: string; connectionId: string }[] = [];
  const snapshots: SnapshotRecord[] = [];
  let users = 0;
  for (const tenant of tenants) {
    const last = await db.snapshots.latest(ref, tenant.tenantId);
    if (last) snapshots.push(last);
    users += last?.activeUserCount ?? 0;
    rows.push({
      tenantId: tenant.tenantId,
      tenantName: tenant.tenantName ?? last?.tenantName ?? tenant.tenantId,
      connectionId: tenant.connectionId,
    });
  }
  return { rows, users, snapshots };
}
