import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../orm/database-url.js';

/** Whom to look for: Xero UserIDs (compared case-insensitively) and emails (case-insensitively). */
export interface HeldUsers {
  userIds?: readonly string[];
  emails?: readonly string[];
}

/**
 * Each tenant's chain of each live connection, found by a loose index scan of
 * `snapshot_chain_sequence_unique` (connection_id, tenant_id, sequence): one seek per tenant to
 * the next tenant id. A `group by connection_id, tenant_id` would read every snapshot ever
 * recorded (kept forever by default, an hourly sync of 300 tenants adds 2.6 million a year);
 * `connection.tenants` leaves out the tenants a connection no longer reaches and is empty until
 * the reconciler reports them.
 */
const CHAINS = `
  select c.id, (
    select s.tenant_id from snapshot s where s.connection_id = c.id
    order by s.tenant_id limit 1
  )
  from connection c where c.deleted_at is null
  union all
  select chain.connection_id, (
    select s.tenant_id from snapshot s
    where s.connection_id = chain.connection_id and s.tenant_id > chain.tenant_id
    order by s.tenant_id limit 1
  )
  from chain where chain.tenant_id is not null`;

/** The content of each chain's newest snapshot: one more seek down the same index. */
const HEADS = `
  select chain.connection_id, (
    select s.content_hash from snapshot s
    where s.connection_id = chain.connection_id and s.tenant_id = chain.tenant_id
    order by s.sequence desc limit 1
  )
  from chain where chain.tenant_id is not null`;

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
  const rows = (await knex
    .withRecursive('chain', ['connection_id', 'tenant_id'], knex.raw(CHAINS))
    .with('head', ['connection_id', 'content_hash'], knex.raw(HEADS))
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
