import { describe, expect, it } from 'vitest';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at, users } from '../test/fixtures.js';
import { statementsOf } from '../test/snapshot-reads.js';

const group = { namespace: 'finance', name: 'group' };
const tenantNo = (i: number) => ({
  tenantId: `tenant-${String(i).padStart(3, '0')}`,
  tenantName: `Organisation ${i}`,
});

describe.each(testDrivers)('connections holding users on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;

  it('looks at the newest snapshot of every tenant, the first one synced included', async () => {
    // 150 organisations: sam only in the first synced, then each synced in turn.
    await db().snapshots.record(
      group,
      tenantNo(0),
      users(['sam', 'ADMIN'], ['ann', 'STANDARD']),
      at('2026-11-01T00:00:00Z'),
    );
    for (let i = 1; i < 150; i++)
      await db().snapshots.record(
        group,
        tenantNo(i),
        users([`user-${i}`, 'STANDARD']),
        at(
          `2026-11-01T01:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
        ),
      );
    expect(await db().connections.holding({ emails: ['sam@acme.test'] })).toEqual([
      'finance/group',
    ]);
    expect(await db().connections.holding({ userIds: ['SAM'] })).toEqual(['finance/group']);
    expect(await db().connections.holding({ emails: ['SAM@Acme.Test'] })).toEqual([
      'finance/group',
    ]);
    expect(await db().connections.holding({ userIds: ['user-149'] })).toEqual(['finance/group']);
    expect(
      await db().connections.holding({ userIds: ['nobody'], emails: ['nobody@x.test'] }),
    ).toEqual([]);
  });

  it('ignores users only older snapshots list, and deleted connections', async () => {
    // sam left tenant 0: its newest snapshot no longer lists him.
    await db().snapshots.record(
      group,
      tenantNo(0),
      users(['ann', 'STANDARD']),
      at('2026-11-02T00:00:00Z'),
    );
    expect(await db().connections.holding({ userIds: ['sam'] })).toEqual([]);
    const gone = { namespace: 'finance', name: 'gone' };
    await db().snapshots.record(
      gone,
      tenantNo(0),
      users(['ann', 'STANDARD']),
      at('2026-11-02T00:00:00Z'),
    );
    expect(await db().connections.holding({ userIds: ['ann'] })).toEqual([
      'finance/gone',
      'finance/group',
    ]);
    await db().connections.markDeleted(gone);
    expect(await db().connections.holding({ userIds: ['ann'] })).toEqual(['finance/group']);
  });

  it('sends one statement however many connections there are, none when given nobody', async () => {
    const lookup = () => db().connections.holding({ userIds: ['ann'], emails: ['x@acme.test'] });
    const before = await statementsOf(t.model, lookup);
    for (let i = 0; i < 20; i++)
      await db().snapshots.record(
        { namespace: 'finance', name: `extra-${i}` },
        tenantNo(i),
        users(['ann', 'STANDARD']),
        at('2026-11-03T00:00:00Z'),
      );
    let found: string[] = [];
    const after = await statementsOf(t.model, async () => {
      found = await lookup();
    });
    expect(before).toHaveLength(1);
    expect(after).toHaveLength(1);
    expect(found).toHaveLength(21);
    expect(
      await statementsOf(t.model, () => db().connections.holding({ userIds: [], emails: [] })),
    ).toEqual([]);
  });

  it('seeks the snapshot index, never reading every snapshot', async () => {
    const [{ sql, bindings }] = (await statementsOf(t.model, () =>
      db().connections.holding({ userIds: ['ann'] }),
    )) as [{ sql: string; bindings: unknown[] }];
    const plan = await t.model.orm.em.fork().transactional(async (em) => {
      if (t.model.dialect === 'postgresql') {
        // A few rows would be scanned whole; what matters is that the index can serve each step.
        await em.execute('set local enable_seqscan = off');
        // knex reports PostgreSQL's own placeholders; execute binds `?`.
        const query = sql.replace(/\$\d+/g, '?');
        const rows = await em.execute<{ 'QUERY PLAN': string }[]>(`explain ${query}`, bindings);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      }
      const rows = await em.execute<{ detail: string }[]>(`explain query plan ${sql}`, bindings);
      return rows.map((r) => r.detail).join('\n');
    });
    expect(plan).toContain('snapshot_chain_sequence_unique');
    if (t.model.dialect === 'postgresql') {
      expect(plan).not.toMatch(/Seq Scan on snapshot/);
      expect(plan).toContain('snapshot_content_pkey');
    } else {
      expect(plan).not.toMatch(/SCAN (s|sc)\b/);
      expect(plan).toMatch(/SEARCH sc USING .*INDEX .*\(hash=\?\)/);
    }
  });
});
