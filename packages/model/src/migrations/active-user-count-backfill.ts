import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import type { Dialect } from '../orm/database-url.js';

/** Snapshots without a count looked at per round, by id (UUIDv7: oldest first). */
const PAGE = 500;
/** Contents counted per statement: on PostgreSQL one of 100,000 users takes about 1 s. */
const CONTENTS_PER_QUERY = 10;
const NO_ID = '00000000-0000-0000-0000-000000000000';

/** The users of a content `c` with access (`hasAccess`: any role but REMOVED), in SQL. */
const activeUsersOf: Record<Dialect, string> = {
  postgresql: `(select count(*) from json_array_elements(c.text::json) as u where u ->> 'organisationRole' is distinct from 'REMOVED')`,
  sqlite: `(select count(*) from json_each(c.text) as u where json_extract(u.value, '$.organisationRole') is not 'REMOVED')`,
};

export interface CountBackfill {
  /** Snapshots given their count by this run. */
  counted: number;
  /**
   * done: no snapshot is left without a count; time-up: `deadline` passed first. The rest are
   * counted when read, and by a later run.
   */
  state: 'done' | 'time-up';
}

/**
 * Stores the active user count of snapshots that have none (recorded before
 * Migration20261207100000_snapshot_active_user_count, or by the previous version's pods during the
 * upgrade), until none is left or `deadline` (epoch ms) passes. Counting parses contents in plain
 * reads, each shared content once; the writes are short transactions of one page each, so
 * readers and writers of `snapshot` never wait on it. Safe to run at any time and to stop anywhere.
 * The snapshots without a count are found through `snapshot_uncounted_index`, which holds only
 * them: once all are counted, a run reads an empty index rather than the table.
 */
export async function backfillActiveUserCounts(
  orm: MikroORM<AbstractSqlDriver>,
  dialect: Dialect,
  deadline: number,
): Promise<CountBackfill> {
  const connection = orm.em.getConnection();
  const counts = new Map<string, number>();
  let counted = 0;
  let after = NO_ID;
  for (;;) {
    if (Date.now() >= deadline) return { counted, state: 'time-up' };
    const page = await connection.execute<{ id: string; content_hash: string }[]>(
      'select id, content_hash from snapshot where active_user_count is null and id > ? order by id limit ?',
      [after, PAGE],
    );
    if (page.length === 0) return { counted, state: 'done' };
    const uncounted = [...new Set(page.map((s) => s.content_hash))].filter((h) => !counts.has(h));
    for (let i = 0; i < uncounted.length && Date.now() < deadline; i += CONTENTS_PER_QUERY) {
      const hashes = uncounted.slice(i, i + CONTENTS_PER_QUERY);
      const rows = await connection.execute<{ hash: string; active: number | string }[]>(
        `select c.hash, ${activeUsersOf[dialect]} as active from snapshot_content c where c.hash in (${hashes.map(() => '?').join(', ')})`,
        hashes,
      );
      for (const row of rows) counts.set(row.hash, Number(row.active));
    }
    const byCount = new Map<number, string[]>();
    for (const s of page) {
      const count = counts.get(s.content_hash);
      if (count !== undefined) byCount.set(count, [...(byCount.get(count) ?? []), s.id]);
    }
    counted += await connection.transactional(async (trx) => {
      let written = 0;
      for (const [count, ids] of byCount) {
        const result = await connection.execute<{ affectedRows: number }>(
          `update snapshot set active_user_count = ? where active_user_count is null and id in (${ids.map(() => '?').join(', ')})`,
          [count, ...ids],
          'run',
          trx,
        );
        written += result.affectedRows;
      }
      return written;
    });
    after = page[page.length - 1]!.id;
  }
}
