import type { Database } from '@xero-access/model';

export interface AffectedBy {
  /** Xero UserIDs whose link changed. */
  userIds?: readonly string[];
  /** Staff emails whose record changed: users matched by email are tied to them. */
  emails?: readonly string[];
}

/** Newest snapshots looked at per connection to find each tenant's latest. */
const RECENT = 100;

/**
 * The connections (`namespace/name`) whose latest snapshot of some tenant holds one of the
 * users: those are the ones whose findings can change.
 */
export async function affectedConnections(db: Database, by: AffectedBy): Promise<string[]> {
  const userIds = new Set(by.userIds ?? []);
  const emails = new Set((by.emails ?? []).map((e) => e.toLowerCase()));
  if (userIds.size === 0 && emails.size === 0) return [];
  const affected: string[] = [];
  for (const connection of await db.connections.list()) {
    const recent = await db.snapshots.list(connection, { limit: RECENT });
    const latestPerTenant = new Map<string, string>();
    for (const s of recent.items)
      if (!latestPerTenant.has(s.tenantId)) latestPerTenant.set(s.tenantId, s.id);
    for (const snapshotId of latestPerTenant.values()) {
      const users = await db.snapshots.users(snapshotId);
      if (
        users.some(
          (u) => userIds.has(u.userId) || (u.email !== null && emails.has(u.email.toLowerCase())),
        )
      ) {
        affected.push(connection.key);
        break;
      }
    }
  }
  return affected.sort();
}
