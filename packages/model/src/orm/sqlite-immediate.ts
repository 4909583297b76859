import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';

interface KnexTransaction {
  outerTx: unknown;
  begin(connection: unknown): Promise<unknown>;
  trxClient: { query(connection: unknown, sql: string): Promise<unknown> };
}
interface KnexClient {
  transaction(...args: unknown[]): KnexTransaction;
}

/**
 * SQLite: every top-level transaction takes the write lock when it begins (`BEGIN IMMEDIATE`), so
 * it waits up to `busy_timeout` while another process (the reconciler, the admin API) writes the
 * same file. A plain (deferred) `BEGIN` that has read first and then writes fails at once with
 * "database is locked" (SQLITE_BUSY_SNAPSHOT) when the file changed in between: no busy handler
 * can help there. Every transaction here writes, so nothing is lost by taking the lock early.
 */
export function beginImmediate(orm: MikroORM<AbstractSqlDriver>): void {
  const client = orm.em.getConnection().getKnex().client as KnexClient;
  const create = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const transaction = create(...args);
    // knex calls begin() after acquiring the connection, a tick after construction. Its own
    // begin() swallows a failed BEGIN and hands out a dead transaction ("Transaction query already
    // complete"); a BEGIN IMMEDIATE that timed out must fail with SQLite's error instead.
    if (!transaction.outerTx)
      transaction.begin = (connection) =>
        transaction.trxClient.query(connection, 'BEGIN IMMEDIATE;');
    return transaction;
  };
}
