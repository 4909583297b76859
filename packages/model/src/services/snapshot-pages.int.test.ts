import { describe, expect, it } from 'vitest';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, users } from '../test/fixtures.js';
import { statementsOf } from '../test/snapshot-reads.js';

const INDEX = 'snapshot_connection_taken_at_id_index';
const tenants = ['t1', 't2', 't3'].map((tenantId) => ({ tenantId, tenantName: tenantId }));

describe.each(testDrivers)('pages of a connection snapshots on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;

  /** The statement `call` sends to read snapshots, as knex reports it. */
  async function snapshotQueryOf(call: () => Promise<unknown>) {
    const sent = await statementsOf(t.model, call);
    const query = sent.find((q) => /from ["`]snapshot["`]/.test(q.sql));
    if (!query) throw new Error('no statement read the snapshots');
    return query;
  }

  async function plan({ sql, bindings }: { sql: string; bindings: unknown[] }): Promise<string> {
    return t.model.orm.em.fork().transactional(async (em) => {
      if (t.model.dialect === 'postgresql') {
        // A few rows would be read whole and sorted; forbid both, so that the plan shows whether
        // an index gives the order (it would still sort if none could).
        await em.execute('set local enable_seqscan = off');
        await em.execute('set local enable_sort = off');
        // knex reports PostgreSQL's own placeholders; execute binds `?`.
        const query = sql.replace(/\$\d+/g, '?');
        const rows = await em.execute<{ 'QUERY PLAN': string }[]>(`explain ${query}`, bindings);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      }
      const rows = await em.execute<{ detail: string }[]>(`explain query plan ${sql}`, bindings);
      return rows.map((r) => r.detail).join('\n');
    });
  }

  it('reads every tenant page newest first from the index, without sorting', async () => {
    // Syncs of three organisations interleaved, two of them at the same instant.
    for (let hour = 0; hour < 6; hour++)
      for (const [i, tenant] of tenants.entries())
        await db().snapshots.record(
          acme,
          tenant,
          users([`u${hour}`, 'STANDARD']),
          new Date(Date.UTC(2026, 10, 1, hour, i === 2 ? 0 : i)),
        );
    const seen: string[] = [];
    let cursor: string | null = null;
    const pages: { sql: string; bindings: unknown[] }[] = [];
    do {
      let page!: Awaited<ReturnType<ReturnType<typeof db>['snapshots']['list']>>;
      pages.push(
        await snapshotQueryOf(async () => {
          page = await db().snapshots.list(acme, { limit: 4, cursor });
        }),
      );
      seen.push(...page.items.map((s) => `${s.takenAt.toISOString()} ${s.id}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(18);
    expect(seen).toEqual(seen.toSorted().reverse());

    for (const query of [pages[0]!, pages[1]!]) {
      const text = await plan(query);
      expect(text).toContain(INDEX);
      expect(text).not.toMatch(/sort|temp b-tree/i);
    }
    // A later page is searched from the cursor, not read from the connection's newest snapshot.
    expect(await plan(pages[1]!)).toMatch(
      driver.dialect === 'postgresql'
        ? /Index Scan Backward using snapshot_connection_taken_at_id_index[\s\S]*Index Cond: .*ROW\(taken_at, id\) < ROW\(/
        : /SEARCH s USING INDEX snapshot_connection_taken_at_id_index \(connection_id=\? AND \(taken_at,id\)<\(\?,\?\)\)/,
    );
  });
});
