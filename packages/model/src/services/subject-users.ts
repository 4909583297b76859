import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccountLink } from '../entities/account-link.js';
import { Snapshot } from '../entities/snapshot.js';
import { SnapshotContent } from '../entities/snapshot-content.js';
import type { SnapshotUser } from '../snapshots/snapshot-user.js';
import { withHeads } from './chain-scan.js';
import type { ConnectionRef } from './context.js';

/** How a Xero user is tied to a person: an account link, or their email in a newest snapshot. */
export type SubjectTie = 'link' | 'email';

/** A Xero user tied to a staff member, and what the newest snapshot of each tenant says of them. */
export interface SubjectXeroUser {
  userId: string;
  tiedBy: SubjectTie[];
  /** Where the user appears in the newest snapshot of a tenant (none: listed nowhere now). */
  appearances: SubjectAppearance[];
}

export interface SubjectAppearance {
  connection: ConnectionRef;
  tenantId: string;
  snapshotId: string;
  sequence: number;
  organisationRole: string;
  /**
   * False when the connection was deleted, or a later sync no longer had the tenant: no sync will
   * record this user again there, so the role says nothing about access now.
   */
  connected: boolean;
}

interface NewestSnapshot {
  id: string;
  connection: ConnectionRef;
  tenantId: string;
  sequence: number;
  contentHash: string;
  connected: boolean;
}

/**
 * Whether a sync will ever record the tenant again: not when the connection is deleted, nor when
 * the tenants the reconciler last reported for it (every organisation it monitors, synced or not)
 * leave it out. A connection with none reported (none yet, or only snapshots recorded) counts as
 * connected: the access check fails closed.
 */
function stillConnected(s: Pick<Snapshot, 'connection' | 'tenantId'>): boolean {
  const c = s.connection;
  if (c.deletedAt) return false;
  return c.tenants.length === 0 || c.tenants.some((t) => t.tenantId === s.tenantId);
}

/**
 * The newest snapshot of every tenant of every connection, deleted ones included (a row per
 * tenant, a few hundred at most), by connection id then tenant id: two statements, found through
 * the index (chain-scan.ts), whatever the history.
 */
async function newestSnapshots(em: SqlEntityManager): Promise<NewestSnapshot[]> {
  const heads = await em.execute<{ id: string }[]>(
    withHeads(em.getKnex(), 'all', 'id')
      .select('id')
      .from('head')
      .orderBy([{ column: 'connection_id' }, { column: 'tenant_id' }]),
  );
  const found = await em.find(
    Snapshot,
    { id: { $in: heads.map((h) => h.id) } },
    { populate: ['connection'], fields: ['id', 'tenantId', 'sequence', 'content', 'connection'] },
  );
  const byId = new Map(found.map((s) => [s.id, s]));
  return heads.map(({ id }) => {
    const s = byId.get(id)!;
    return {
      id: s.id,
      connection: { namespace: s.connection.namespace, name: s.connection.name },
      tenantId: s.tenantId,
      sequence: s.sequence,
      contentHash: s.content.hash,
      connected: stillConnected(s),
    };
  });
}

/**
 * The Xero users tied to staff member `staffId`: those an account link ties to them, and, when
 * `email` is given (lowercased), those whose email in the newest snapshot of any tenant is it
 * (compared case-insensitively, as the checks do), each with the role it holds in every newest
 * snapshot it appears in. Each distinct content is read and parsed once, and not kept.
 */
export async function xeroUsersOf(
  em: SqlEntityManager,
  staffId: string,
  email: string | null,
): Promise<SubjectXeroUser[]> {
  const users = new Map<string, SubjectXeroUser>();
  const tie = (userId: string, how: SubjectTie) => {
    const key = userId.toLowerCase();
    const user = users.get(key) ?? { userId: key, tiedBy: [], appearances: [] };
    if (!user.tiedBy.includes(how)) user.tiedBy.push(how);
    users.set(key, user);
  };
  const links = await em.find(AccountLink, { staff: staffId }, { fields: ['userId'] });
  for (const link of links) tie(link.userId, 'link');

  const byContent = new Map<string, NewestSnapshot[]>();
  for (const s of await newestSnapshots(em)) {
    byContent.set(s.contentHash, [...(byContent.get(s.contentHash) ?? []), s]);
  }
  const found: { user: SnapshotUser; snapshots: NewestSnapshot[] }[] = [];
  for (const [hash, snapshots] of byContent) {
    const row = await em
      .createQueryBuilder(SnapshotContent)
      .select('text')
      .where({ hash })
      .execute<{ text: string } | undefined>('get');
    const content = JSON.parse(row?.text ?? '[]') as SnapshotUser[];
    for (const user of content) {
      const mine =
        email !== null && user.email !== null && user.email.trim().toLowerCase() === email;
      if (mine) tie(user.userId, 'email');
      if (mine || users.has(user.userId.toLowerCase())) found.push({ user, snapshots });
    }
  }
  for (const { user, snapshots } of found) {
    const entry = users.get(user.userId.toLowerCase())!;
    for (const s of snapshots)
      entry.appearances.push({
        connection: s.connection,
        tenantId: s.tenantId,
        snapshotId: s.id,
        sequence: s.sequence,
        organisationRole: user.organisationRole,
        connected: s.connected,
      });
  }
  return [...users.values()].sort((a, b) => (a.userId < b.userId ? -1 : 1));
}
