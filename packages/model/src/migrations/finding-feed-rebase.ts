import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import type { Dialect } from '../orm/database-url.js';

/**
 * The stored keys are above what the server's transaction ids give (plus the offset), `xid` being
 * one at least the next id when the stored events were written: the database was restored into
 * another server, or went back in time (point-in-time recovery, a promoted replica). Never true
 * otherwise: a key is at most the next transaction id when written, plus the offset
 * (Migration20261207184500_finding_event_feed_base).
 */
const ahead = (xid: string) =>
  `(select max("feed_key") from "finding_event" where "feed_seq" is not null) > ${xid} + (select "key_offset" from "finding_event_feed_base")`;
/** The next transaction id, without taking one (the check when nothing is locked). */
const NEXT_XID = 'pg_snapshot_xmax(pg_current_snapshot())::text::bigint';
/** This transaction's id (taking one): every later writer's is greater. */
const OWN_XID = 'pg_current_xact_id()::text::bigint';

/**
 * Moves the changes feed's keys (PostgreSQL) past every stored one when the stored keys are ahead
 * of the server's transaction ids (after a restore: see
 * Migration20261207184500_finding_event_feed_base), so that the feed lists the restored events
 * again and every later event after them. Returns whether it moved them. One read of the end of
 * the feed index when nothing is wrong (the check runs again under the lock).
 *
 * While it moves them, events cannot be inserted (SHARE ROW EXCLUSIVE locks out their writers,
 * waiting for those in progress, and any other process rebasing): every event is written wholly
 * before or after, and, the trigger reading the offset in a statement of its own, one that waited
 * reads the new one. After it, the keys of new events exceed every stored key, and the feed's
 * bound (oldest transaction in progress + offset) reaches the stored ones once the transactions
 * older than this one have ended. Events written after the restore but before this run have keys
 * below the restored ones: a client holding a restored cursor would never read them, which is why
 * the apps start after the migrate that runs it (docs/backup-and-restore.md).
 */
export async function rebaseFindingFeed(
  orm: MikroORM<AbstractSqlDriver>,
  dialect: Dialect,
): Promise<boolean> {
  if (dialect !== 'postgresql') return false;
  const connection = orm.em.getConnection();
  const [probe] = await connection.execute<{ ahead: boolean | null }[]>(
    `select ${ahead(NEXT_XID)} as ahead`,
  );
  if (!probe?.ahead) return false;
  return connection.transactional(async (trx) => {
    await connection.execute(
      'lock table "finding_event" in share row exclusive mode',
      [],
      'run',
      trx,
    );
    const [moved] = await connection.execute<{ key_offset: string }[]>(
      `update "finding_event_feed_base" set "key_offset" = (select max("feed_key") from "finding_event" where "feed_seq" is not null) - ${OWN_XID} where ${ahead(OWN_XID)} returning "key_offset"`,
      [],
      'all',
      trx,
    );
    return moved !== undefined;
  });
}
