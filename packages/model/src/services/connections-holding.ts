import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../orm/database-url.js';
import { withHeads } from './chain-scan.js';

/** Whom to look for: Xero UserIDs (compared case-insensitively) and emails (case-insensitively). */
export interface HeldUsers {
  userIds?: readonly string[];
  emails?: readonly string[];
}

/**
 * The users live in each content's JSON text, which no index covers: the content of each head is
 * read by its primary key and its rows matched in the database, so the work is bounded by the
 * tenants' current users, not by their history. The lists are bound as one JSON array each,
 * whatever their length. SQLite's `lower` folds ASCII letters only (as PostgreSQL's under the C
 * collation); Xero UserIDs are GUIDs, and the emails sought are lowercased already.
 */
const MATCHING: Record<Dialect, string> = {
  postgresql: `
    select sc.hash from snapshot_content sc
    where sc.hash in (select content_hash from head)
      and exists (
        select 1 from json_array_elements(sc.text::json) u
        where lower(u ->> 'userId') in (select json_array_elements_text(?::json))
           or lower(u ->> 'email') in (select json_array_elements_text(?::json))
      )`,
  sqlite: `
    select sc.hash from snapshot_content sc
    where sc.hash in (select content_hash from head)
      and exists (
        select 1 from json_each(sc.text) u
        where lower(json_extract(u.value, '$.userId')) in (select value from json_each(?))
           or lower(json_extract(u.value, '$.email')) in (select value from json_each(?))
      )`,
};

/**
 * The live connections (`namespace/name`, sorted) whose newest snapshot of some tenant lists one
 * of the users: one statement, however many connections and tenants there are.
 */
export async function connectionsHolding(
  em: SqlEntityManager,
  dialect: Dialect,
  users: HeldUsers,
): Promise<string[]> {
  const userIds = [...new Set((users.userIds ?? []).map((id) => id.toLowerCase()))];
  const emails = [...new Set((users.emails ?? []).map((e) => e.toLowerCase()))];
  if (userIds.length === 0 && emails.length === 0) return [];
  const knex = em.getKnex();
  const rows = (await withHeads(knex, 'live', 'content_hash')
    .with(
      'holding',
      ['hash'],
      knex.raw(MATCHING[dialect], [JSON.stringify(userIds), JSON.stringify(emails)]),
    )
    .distinct('c.namespace', 'c.name')
    .from('head as h')
    .join('holding as x', 'x.hash', 'h.content_hash')
    .join('connection as c', 'c.id', 'h.connection_id')) as { namespace: string; name: string }[];
  return rows.map((r) => `${r.namespace}/${r.name}`).sort();
}
