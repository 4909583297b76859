import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../orm/database-url.js';

/**
 * The rows of the given users in each content, matched in the database: only their roles come
 * back, not the snapshot's users (megabytes for a large tenant). The lists are bound as one JSON
 * array each; UserIDs are GUIDs, compared lowercased (see connections-holding.ts).
 */
const ROLES: Record<Dialect, string> = {
  postgresql: `
    select s.id as snapshot_id, u ->> 'userId' as user_id, u ->> 'organisationRole' as role
    from snapshot s
    join snapshot_content sc on sc.hash = s.content_hash
    cross join lateral json_array_elements(sc.text::json) u
    where s.id in (select json_array_elements_text(?::json)::uuid)
      and lower(u ->> 'userId') in (select json_array_elements_text(?::json))`,
  sqlite: `
    select s.id as snapshot_id, json_extract(u.value, '$.userId') as user_id,
      json_extract(u.value, '$.organisationRole') as role
    from snapshot s
    join snapshot_content sc on sc.hash = s.content_hash, json_each(sc.text) u
    where s.id in (select value from json_each(?))
      and lower(json_extract(u.value, '$.userId')) in (select value from json_each(?))`,
};

/**
 * The role each of `userIds` holds in each of the snapshots (keyed by snapshot id, then lowercased
 * UserID); a user a snapshot does not list is absent from its map. Reads through `em`'s
 * transaction.
 */
export async function rolesIn(
  em: SqlEntityManager,
  dialect: Dialect,
  snapshotIds: readonly string[],
  userIds: readonly string[],
): Promise<Map<string, Map<string, string>>> {
  const roles = new Map<string, Map<string, string>>();
  if (snapshotIds.length === 0 || userIds.length === 0) return roles;
  const rows = await em
    .getConnection()
    .execute<{ snapshot_id: string; user_id: string; role: string }[]>(
      ROLES[dialect],
      [
        JSON.stringify([...new Set(snapshotIds)]),
        JSON.stringify([...new Set(userIds.map((id) => id.toLowerCase()))]),
      ],
      'all',
      em.getTransactionContext(),
    );
  for (const row of rows) {
    const bySnapshot = roles.get(row.snapshot_id) ?? new Map<string, string>();
    bySnapshot.set(row.user_id.toLowerCase(), row.role);
    roles.set(row.snapshot_id, bySnapshot);
  }
  return roles;
}
