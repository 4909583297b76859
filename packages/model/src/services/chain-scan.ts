import type { Knex } from '@mikro-orm/knex';

/** Whose chains: the live connections' (what a sync still records), or all, deleted ones too. */
export type ChainConnections = 'live' | 'all';

/**
 * A loose index scan of `snapshot_chain_sequence_unique` (connection_id, tenant_id, sequence): per
 * connection, one seek per tenant to the next tenant id, then one that finds none (null). A `group
 * by connection_id, tenant_id` or a `distinct` would read every snapshot ever recorded (kept
 * forever by default, an hourly sync of 300 tenants adds 2.6 million a year);
 * `connection.tenants` leaves out the tenants a connection no longer reaches and is empty until
 * the reconciler reports them.
 */
function steps(connections: ChainConnections): string {
  return `
  select c.id, (
    select s.tenant_id from snapshot s where s.connection_id = c.id
    order by s.tenant_id limit 1
  )
  from connection c${connections === 'live' ? ' where c.deleted_at is null' : ''}
  union all
  select step.connection_id, (
    select s.tenant_id from snapshot s
    where s.connection_id = step.connection_id and s.tenant_id > step.tenant_id
    order by s.tenant_id limit 1
  )
  from chain_step step where step.tenant_id is not null`;
}

/**
 * A query with `chain(connection_id, tenant_id)`: each tenant's chain (a tenant with snapshots) of
 * each of `connections`, in no particular order. Build on it with `from('chain')`.
 */
export function withChains(knex: Knex, connections: ChainConnections): Knex.QueryBuilder {
  return knex
    .withRecursive('chain_step', ['connection_id', 'tenant_id'], knex.raw(steps(connections)))
    .with(
      'chain',
      ['connection_id', 'tenant_id'],
      knex.raw('select connection_id, tenant_id from chain_step where tenant_id is not null'),
    );
}

/** The column of each chain's newest snapshot that `head` holds. */
export type HeadColumn = 'id' | 'content_hash';

/**
 * `withChains` and `head(connection_id, tenant_id, <column>)`: `column` of each chain's newest
 * snapshot, one more seek down the same index.
 */
export function withHeads(
  knex: Knex,
  connections: ChainConnections,
  column: HeadColumn,
): Knex.QueryBuilder {
  return withChains(knex, connections).with(
    'head',
    ['connection_id', 'tenant_id', column],
    knex.raw(`
      select chain.connection_id, chain.tenant_id, (
        select s.${column} from snapshot s
        where s.connection_id = chain.connection_id and s.tenant_id = chain.tenant_id
        order by s.sequence desc limit 1
      )
      from chain`),
  );
}
