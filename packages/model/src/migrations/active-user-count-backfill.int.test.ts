import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../entities/connection.js';
import { Snapshot } from '../entities/snapshot.js';
import { newId } from '../ids.js';
import { withBackfillLock } from '../orm/migration-lock.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { acme, at, tenant, users } from '../test/fixtures.js';

/** More than one page of the backfill (500 snapshots). */
const COPIES = 1_201;

describe.each(testDrivers)('the active user count backfill on $dialect', (driver) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await driver.create();
  });
  afterAll(async () => t?.dispose());

  const sql = () => t.model.orm.em.getConnection();

  async function storedCounts(): Promise<Map<number | null, number>> {
    const rows = await sql().execute<{ active: number | null; snapshots: number | string }[]>(
      'select active_user_count as active, count(*) as snapshots from snapshot group by active_user_count',
    );
    return new Map(
      rows.map((r) => [r.active === null ? null : Number(r.active), Number(r.snapshots)]),
    );
  }

  it('has an index of the snapshots without a count, and only those, once migrated', async () => {
    const [index] = await sql().execute<{ definition: string }[]>(
      driver.dialect === 'postgresql'
        ? "select indexdef as definition from pg_indexes where tablename = 'snapshot' and indexname = 'snapshot_uncounted_index'"
        : "select sql as definition from sqlite_master where type = 'index' and tbl_name = 'snapshot' and name = 'snapshot_uncounted_index'",
    );
    expect(index?.definition.replaceAll('"', '')).toMatch(
      /^create index snapshot_uncounted_index on (public\.)?snapshot (using btree )?\(id\) where \(?active_user_count is null\)?$/i,
    );
  });

  it('counts the snapshots stored without a count, page by page, and stops when the time is up', async () => {
    const db = t.model.db;
    const first = await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN'], ['b', 'REMOVED']),
      at('2026-11-01T00:00:00Z'),
    );
    const second = await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN'], ['b', 'STANDARD'], ['c', 'READONLY']),
      at('2026-11-02T00:00:00Z'),
    );
    // Rows as the previous version writes them during an upgrade (no count), sharing contents.
    const em = t.model.orm.em.fork();
    const connection = await em.findOneOrFail(Connection, acme);
    await em.insertMany(
      Snapshot,
      Array.from({ length: COPIES }, (_, i) => ({
        id: newId(),
        connection,
        tenantId: 'copies',
        tenantName: 'Copies',
        sequence: i + 1,
        takenAt: at('2026-11-03T00:00:00Z'),
        userCount: i % 2 ? 3 : 2,
        activeUserCount: null,
        content: (i % 2 ? second : first).contentHash,
        previousHash: null,
        chainHash: `${i}`.padStart(64, 'c'),
        diff: { joiners: [], leavers: [], roleChanges: [] },
        createdAt: at('2026-11-03T00:00:00Z'),
      })),
    );
    await sql().execute('update snapshot set active_user_count = null');
    const all = COPIES + 2;
    expect(await storedCounts()).toEqual(new Map([[null, all]]));

    expect(await t.model.backfill(0)).toEqual({ counted: 0, redacted: 0, state: 'time-up' });
    expect(await storedCounts()).toEqual(new Map([[null, all]]));
    // Read meanwhile, a snapshot without a count is counted from its users.
    expect(await db.snapshots.get(second.id)).toMatchObject({ activeUserCount: 3 });

    expect(await t.model.backfill()).toEqual({ counted: all, redacted: 0, state: 'done' });
    expect(await storedCounts()).toEqual(
      new Map([
        [1, 1 + Math.ceil(COPIES / 2)],
        [3, 1 + Math.floor(COPIES / 2)],
      ]),
    );
    expect(await db.snapshots.get(first.id)).toMatchObject({ activeUserCount: 1 });
    expect(await t.model.backfill()).toEqual({ counted: 0, redacted: 0, state: 'done' });
    expect((await db.snapshots.verifyChain(acme, tenant.tenantId)).ok).toBe(true);
  });

  if (driver.dialect === 'postgresql')
    it('leaves the counting to the process already at it', async () => {
      await sql().execute('update snapshot set active_user_count = null');
      const elsewhere = await withBackfillLock(t.url, () => t.model.backfill());
      expect(elsewhere).toEqual({ counted: 0, redacted: 0, state: 'elsewhere' });
      expect((await storedCounts()).get(null)).toBe(COPIES + 2);
    });
});
