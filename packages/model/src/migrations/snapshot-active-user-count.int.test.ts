import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../entities/connection.js';
import { Snapshot } from '../entities/snapshot.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { postgresqlMigrations } from './postgresql/index.js';
import { acme, at, tenant, users } from '../test/fixtures.js';
import { recordSnapshotBeforeActiveCount } from '../test/snapshot-before-active-count.js';

const BEFORE_COUNT = 'Migration20261207093000_drop_finding_status_last_seen_index';
const COUNT = 'Migration20261207100000_snapshot_active_user_count';
/** COUNT and the migrations after it, as migrateUp applies them from BEFORE_COUNT. */
const FROM_COUNT = postgresqlMigrations
  .map((m) => m.name)
  .slice(postgresqlMigrations.findIndex((m) => m.name === COUNT));
const otherTenant = { tenantId: '22222222-2222-4222-8222-222222222222', tenantName: 'Acme Pty' };

describe.each(testDrivers)('the snapshot active user count migration on $dialect', (driver) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await driver.create({ migrate: false });
  });
  afterAll(async () => t?.dispose());

  /** The stored count of every snapshot (null when none is), by id. */
  async function storedCounts(): Promise<Record<string, number | null>> {
    const rows = await t.model.orm.em
      .getConnection()
      .execute<{ id: string; active_user_count: number | null }[]>(
        'select id, active_user_count from snapshot',
      );
    return Object.fromEntries(
      rows.map((r) => [r.id, r.active_user_count === null ? null : Number(r.active_user_count)]),
    );
  }

  /** Every snapshot's place in its chain and its hashes, as stored. */
  async function chainLinks(): Promise<unknown[]> {
    return t.model.orm.em
      .getConnection()
      .execute(
        'select tenant_id, sequence, content_hash, previous_hash, chain_hash from snapshot order by tenant_id, sequence',
      );
  }

  it('counts the users with access of snapshots recorded before it; later ones store theirs', async () => {
    await t.model.orm.getMigrator().up({ to: BEFORE_COUNT });
    const db = t.model.db;
    await db.connections.upsert(acme);
    const em = t.model.orm.em.fork();
    const connection = await em.findOneOrFail(Connection, acme);
    const first = await recordSnapshotBeforeActiveCount(
      em,
      connection,
      tenant,
      null,
      users(['a', 'ADMIN'], ['b', 'STANDARD'], ['c', 'REMOVED']),
      at('2026-11-01T00:00:00Z'),
    );
    // An unchanged sync: shares the first snapshot's content.
    const unchanged = await recordSnapshotBeforeActiveCount(
      em,
      connection,
      tenant,
      first,
      users(['a', 'ADMIN'], ['b', 'STANDARD'], ['c', 'REMOVED']),
      at('2026-11-02T00:00:00Z'),
    );
    const third = await recordSnapshotBeforeActiveCount(
      em,
      connection,
      tenant,
      unchanged,
      users(
        ['a', 'REMOVED'],
        ['b', 'STANDARD'],
        ['c', 'REMOVED'],
        ['d', 'READONLY'],
        ['e', 'ADVISOR'],
      ),
      at('2026-11-03T00:00:00Z'),
    );
    const empty = await recordSnapshotBeforeActiveCount(
      em,
      connection,
      otherTenant,
      null,
      [],
      at('2026-11-01T00:30:00Z'),
    );
    const allRemoved = await recordSnapshotBeforeActiveCount(
      em,
      connection,
      otherTenant,
      empty,
      users(['x', 'REMOVED']),
      at('2026-11-02T00:30:00Z'),
    );
    // Read as stored: the chain verifier of today reads tables this schema does not have yet.
    const linksBefore = await chainLinks();

    expect(await t.model.migrateUp()).toEqual(FROM_COUNT);

    expect(await storedCounts()).toEqual({
      [first.id]: 2,
      [unchanged.id]: 2,
      [third.id]: 3,
      [empty.id]: 0,
      [allRemoved.id]: 0,
    });
    expect(
      (await db.snapshots.list(acme)).items.map((s) => [
        s.tenantId,
        s.sequence,
        s.userCount,
        s.activeUserCount,
      ]),
    ).toEqual([
      [tenant.tenantId, 3, 5, 3],
      [otherTenant.tenantId, 2, 1, 0],
      [tenant.tenantId, 2, 3, 2],
      [otherTenant.tenantId, 1, 0, 0],
      [tenant.tenantId, 1, 3, 2],
    ]);
    // The count is no link field: every hash of the chains is as it was, and both verify.
    expect(await chainLinks()).toEqual(linksBefore);
    expect(linksBefore).toHaveLength(5);
    expect(
      [
        await db.snapshots.verifyChain(acme, tenant.tenantId),
        await db.snapshots.verifyChain(acme, otherTenant.tenantId),
      ].map((c) => [c.ok, c.length]),
    ).toEqual([
      [true, 3],
      [true, 2],
    ]);

    const fourth = await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'REMOVED'], ['b', 'REMOVED'], ['d', 'READONLY'], ['f', 'STANDARD']),
      at('2026-11-04T00:00:00Z'),
    );
    expect(fourth).toMatchObject({ sequence: 4, userCount: 4, activeUserCount: 2 });
    expect((await storedCounts())[fourth.id]).toBe(2);
    expect(await db.snapshots.latest(acme, tenant.tenantId)).toMatchObject({
      id: fourth.id,
      activeUserCount: 2,
    });
    expect((await db.snapshots.verifyChain(acme, tenant.tenantId)).ok).toBe(true);
  });

  // A rolling upgrade: the previous version's pods, whose entity lacks the column, keep recording
  // snapshots after the migration ran.
  it('accepts a snapshot inserted without the column, stores no count and reads the right one', async () => {
    const db = t.model.db;
    const em = t.model.orm.em.fork();
    const connection = await em.findOneOrFail(Connection, acme);
    const previous = await em.findOneOrFail(
      Snapshot,
      { connection, tenantId: tenant.tenantId },
      { orderBy: { sequence: 'desc' } },
    );
    const old = await recordSnapshotBeforeActiveCount(
      em,
      connection,
      tenant,
      previous,
      users(
        ['a', 'ADMIN'],
        ['b', 'REMOVED'],
        ['d', 'READONLY'],
        ['f', 'STANDARD'],
        ['g', 'REMOVED'],
      ),
      at('2026-11-05T00:00:00Z'),
    );
    expect((await storedCounts())[old.id]).toBeNull();

    const expected = {
      id: old.id,
      sequence: previous.sequence + 1,
      userCount: 5,
      activeUserCount: 3,
    };
    expect(await db.snapshots.get(old.id)).toMatchObject(expected);
    expect(await db.snapshots.latest(acme, tenant.tenantId)).toMatchObject(expected);
    expect(
      (await db.snapshots.list(acme, { tenantId: tenant.tenantId })).items.map((s) => [
        s.sequence,
        s.activeUserCount,
      ]),
    ).toEqual([
      [5, 3],
      [4, 2],
      [3, 3],
      [2, 2],
      [1, 2],
    ]);

    // The new version chains its next snapshot to it as to any other.
    const next = await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN'], ['d', 'READONLY']),
      at('2026-11-06T00:00:00Z'),
    );
    expect(next).toMatchObject({ sequence: 6, activeUserCount: 2, previousId: old.id });
    expect((await db.snapshots.verifyChain(acme, tenant.tenantId)).ok).toBe(true);
  });

  it('drops the column on down', async () => {
    expect((await t.model.orm.getMigrator().down({ to: COUNT })).map((m) => m.name)).toEqual(
      [...FROM_COUNT].reverse(),
    );
    await expect(storedCounts()).rejects.toThrow(/active_user_count/);
    expect(await t.model.migrateUp()).toEqual(FROM_COUNT);
  });
});
