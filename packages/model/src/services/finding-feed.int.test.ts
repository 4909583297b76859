import type { Knex } from '@mikro-orm/knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CursorGoneError, PageRequestError } from '../errors.js';
import { newId } from '../ids.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { acme, at, tenant, unidentified, users } from '../test/fixtures.js';
import type { FindingChange } from './finding-feed.js';

const other = { namespace: 'finance', name: 'globex' };

/** Reads the feed from `cursor` until it has nothing more for now; the last cursor with it. */
async function readAll(
  t: TestModel,
  cursor: string | null,
  limit: number,
  connection?: typeof acme,
): Promise<{ items: FindingChange[]; cursor: string | null }> {
  const items: FindingChange[] = [];
  for (;;) {
    const page = await t.model.db.findings.changes(connection ? { connection } : {}, {
      limit,
      cursor,
    });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!page.hasMore) return { items, cursor };
  }
}

/**
 * Waits until the feed lists every event written so far. On PostgreSQL an event is listed once no
 * transaction older than it is in progress anywhere on the server, and other test files run
 * beside this one.
 */
async function settled(t: TestModel): Promise<void> {
  const rows = await t.model.orm.em.getKnex()('finding_event').count({ count: '*' });
  const written = Number(rows[0]!.count);
  await vi.waitFor(async () => expect((await readAll(t, null, 500)).items).toHaveLength(written), {
    timeout: 60_000,
    interval: 200,
  });
}

const summary = (items: FindingChange[]) =>
  items.map((c) => `${c.type}:${c.subject.id}:${c.actor ?? 'reconciler'}`);

describe.each(testDrivers)('the finding changes feed on $dialect', (driver) => {
  let t: TestModel;
  let ids: Record<string, string>;
  let firstSnapshot: string;
  beforeAll(async () => {
    t = await driver.create();
    const db = t.model.db;
    const s1 = await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'STANDARD'], ['b', 'STANDARD']),
      at('2026-11-01T00:00:00Z'),
    );
    firstSnapshot = s1.id;
    const opened = await db.findings.apply(acme, s1.id, [unidentified('a'), unidentified('b')]);
    ids = Object.fromEntries(opened.transitions.map((x) => [x.finding.subject.id, x.finding.id]));
    await db.findings.acceptRisk(ids.a!, { reason: 'contractor', by: 'alice' });
    await db.findings.revokeAcceptance(ids.a!, 'bob', 'not any more');
    const s2 = await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'STANDARD']),
      at('2026-11-01T01:00:00Z'),
    );
    await db.findings.apply(acme, s2.id, [unidentified('a')]);
    const g = await db.snapshots.record(other, tenant, users(['g', 'STANDARD']), new Date());
    await db.findings.apply(other, g.id, [unidentified('g')]);
    await settled(t);
  });
  afterAll(async () => t?.dispose());

  it('lists every change once, in the order they happened, with what each is about', async () => {
    const { items, cursor } = await readAll(t, null, 2);
    expect(summary(items).slice(0, 2).sort()).toEqual([
      'opened:a:reconciler',
      'opened:b:reconciler',
    ]);
    expect(summary(items).slice(2)).toEqual([
      'accepted:a:alice',
      'acceptance-revoked:a:bob',
      'resolved:b:reconciler',
      'opened:g:reconciler',
    ]);
    expect(new Set(items.map((c) => c.id)).size).toBe(items.length);
    expect(items[2]).toEqual({
      id: expect.any(String),
      type: 'accepted',
      fromStatus: 'open',
      toStatus: 'accepted',
      at: expect.any(Date),
      actor: 'alice',
      note: expect.stringContaining('contractor'),
      // The finding's evidence when it was accepted: what the acceptance covered.
      snapshotId: firstSnapshot,
      findingId: ids.a,
      connection: acme,
      tenantId: tenant.tenantId,
      check: 'user-identified',
      subject: { kind: 'user', id: 'a' },
    });
    // Each event as its finding's history has it.
    const history = await t.model.db.findings.history(ids.a!);
    expect(items.filter((c) => c.findingId === ids.a).map((c) => c.id)).toEqual(
      history.map((e) => e.id),
    );
    expect(cursor).not.toBeNull();
  });

  it('answers the same pages however they are cut', async () => {
    const whole = await readAll(t, null, 500);
    expect((await readAll(t, null, 1)).items).toEqual(whole.items);
    expect((await readAll(t, null, 3)).items).toEqual(whole.items);
  });

  it('keeps its place at the end: the same cursor back, then only what changed since', async () => {
    const { cursor } = await readAll(t, null, 50);
    expect(await t.model.db.findings.changes({}, { cursor })).toEqual({
      items: [],
      nextCursor: cursor,
      hasMore: false,
    });
    await t.model.db.findings.acceptRisk(ids.a!, { reason: 'for now', by: 'carol' });
    await settled(t);
    const next = await readAll(t, cursor, 50);
    expect(summary(next.items)).toEqual(['accepted:a:carol']);
    expect(next.cursor).not.toEqual(cursor);
    expect((await readAll(t, next.cursor, 50)).items).toEqual([]);
  });

  it("filters by connection, keeping the feed's order", async () => {
    const all = (await readAll(t, null, 50)).items;
    const globex = await readAll(t, null, 2, other);
    expect(summary(globex.items)).toEqual(['opened:g:reconciler']);
    expect((await readAll(t, null, 2, acme)).items).toEqual(
      all.filter((c) => c.connection.name === 'acme'),
    );
    expect(
      await t.model.db.findings.changes({ connection: { namespace: 'no', name: 'such' } }),
    ).toEqual({ items: [], nextCursor: null, hasMore: false });
  });

  it('refuses a cursor it did not hand out, naming cursor', async () => {
    const findingsCursor = (await t.model.db.findings.list({}, { limit: 1 })).nextCursor!;
    for (const cursor of [findingsCursor, 'not-a-cursor', Buffer.from('[1]').toString('base64url')])
      await expect(t.model.db.findings.changes({}, { cursor })).rejects.toThrow(PageRequestError);
    const forged = Buffer.from(JSON.stringify(['finding-events', '1 or 1=1', '2'])).toString(
      'base64url',
    );
    await expect(t.model.db.findings.changes({}, { cursor: forged })).rejects.toThrow(/^cursor: /);
  });
});

/** Users a and b of a fresh database each with an open finding, the feed settled: ids by user. */
async function openTwo(t: TestModel): Promise<Record<string, string>> {
  const s = await t.model.db.snapshots.record(
    acme,
    tenant,
    users(['a', 'STANDARD'], ['b', 'STANDARD']),
    new Date(),
  );
  const opened = await t.model.db.findings.apply(acme, s.id, [
    unidentified('a'),
    unidentified('b'),
  ]);
  await settled(t);
  return Object.fromEntries(opened.transitions.map((x) => [x.finding.subject.id, x.finding.id]));
}

// PostgreSQL: transactions commit in another order than they wrote. (SQLite has one writer.)
describe.each(testDrivers.filter((d) => d.dialect === 'postgresql'))(
  'the finding changes feed while transactions are in progress on $dialect',
  (driver) => {
    let t: TestModel;
    let knex: Knex;
    let ids: Record<string, string>;
    beforeAll(async () => {
      t = await driver.create();
      knex = t.model.orm.em.getKnex();
      ids = await openTwo(t);
    });
    afterAll(async () => t?.dispose());

    /** An event inserted as a writer does, in `trx`. */
    const insertEvent = (trx: Knex.Transaction, findingId: string, note: string) =>
      trx('finding_event').insert({
        id: newId(),
        finding_id: findingId,
        type: 'resolved',
        from_status: 'open',
        to_status: 'resolved',
        at: new Date(),
        note,
      });

    it('does not pass an event whose transaction commits after a later one', async () => {
      await settled(t);
      const start = (await readAll(t, null, 50)).cursor;
      const first = await knex.transaction();
      try {
        await insertEvent(first, ids.b!, 'written first, committed last');
        // A later change commits while the first transaction is still open.
        await t.model.db.findings.acceptRisk(ids.a!, { reason: 'later', by: 'alice' });
        const during = await readAll(t, start, 50);
        // Listing the later one now would move the cursor past the first: it waits.
        expect(summary(during.items)).toEqual([]);
        await first.commit();
      } catch (error) {
        await first.rollback();
        throw error;
      }
      // Listed once no transaction older than them is in progress anywhere on the server (other
      // test files run beside this one): the feed's documented bound, waited for.
      await vi.waitFor(
        async () => {
          const after = await readAll(t, start, 50);
          expect(after.items.map((c) => c.note ?? '')).toEqual([
            'written first, committed last',
            expect.stringContaining('later'),
          ]);
        },
        { timeout: 60_000, interval: 200 },
      );
    });

    it('lists a change after one that committed before it was made, whichever transaction began first', async () => {
      await settled(t);
      const start = (await readAll(t, null, 50)).cursor;
      const older = await knex.transaction();
      try {
        // The older transaction has its id before the other begins …
        await older.raw('select pg_current_xact_id()');
        await t.model.db.findings.revokeAcceptance(ids.a!, 'bob', 'made first');
        // … and changes the same finding after the other committed (as a writer waiting for its
        // row lock does).
        await insertEvent(older, ids.a!, 'made second');
        await older.commit();
      } catch (error) {
        await older.rollback();
        throw error;
      }
      await vi.waitFor(
        async () => {
          const { items } = await readAll(t, start, 50);
          expect(items.map((c) => c.note)).toEqual(['made first', 'made second']);
        },
        { timeout: 60_000, interval: 200 },
      );
    });
  },
);

/** A cursor as versions before cursors named their event wrote it: the position alone. */
const positionOnlyCursor = (key: string, seq: string) =>
  Buffer.from(JSON.stringify(['finding-events', key, seq])).toString('base64url');

// A restore from a backup (a dump, a point-in-time recovery, a copy of the SQLite file) forgets
// the events written after it, and their positions are given again to new events.
describe.each(testDrivers)('the finding changes feed after a restore on $dialect', (driver) => {
  let t: TestModel;
  let knex: Knex;
  let ids: Record<string, string>;
  beforeAll(async () => {
    t = await driver.create();
    knex = t.model.orm.em.getKnex();
    ids = await openTwo(t);
  });
  afterAll(async () => t?.dispose());

  /** Puts the database back to before `events`: they are gone, and so are their numbers. */
  async function restoreWithout(events: FindingChange[]): Promise<void> {
    await knex('finding_event')
      .whereIn(
        'id',
        events.map((e) => e.id),
      )
      .delete();
    if (driver.dialect === 'postgresql')
      await knex.raw(
        `select setval('finding_event_feed_seq', (select max(feed_seq) from finding_event))`,
      );
  }

  it('answers a cursor read past the restored database with CursorGoneError, saying what to do', async () => {
    const before = (await readAll(t, null, 50)).cursor;
    await t.model.db.findings.acceptRisk(ids.a!, { reason: 'contractor', by: 'alice' });
    await settled(t);
    const lost = await readAll(t, before, 50);
    expect(summary(lost.items)).toEqual(['accepted:a:alice']);

    await restoreWithout(lost.items);
    // Written after the restore: on SQLite it takes the lost event's position.
    await t.model.db.findings.acceptRisk(ids.b!, { reason: 'since the restore', by: 'bob' });
    await settled(t);

    const answer = t.model.db.findings.changes({}, { cursor: lost.cursor });
    await expect(answer).rejects.toThrow(CursorGoneError);
    await expect(answer).rejects.toThrow(
      /^cursor: names a change this database does not hold: it was restored from a backup taken before that change .* Read the feed again from the start, without cursor/,
    );
    // A client that had read no further than the backup goes on, missing nothing.
    expect(summary((await readAll(t, before, 50)).items)).toEqual(['accepted:b:bob']);
  });

  it('reads on from a cursor of the previous version (its position alone) while the database holds it', async () => {
    /** The cursor the previous version handed out after `event`. */
    const oldCursorAfter = async (event: FindingChange) => {
      const row = await knex('finding_event')
        .where('id', event.id)
        .first<{ feed_key: string | number; feed_seq: string | number }>('feed_key', 'feed_seq');
      return positionOnlyCursor(String(row.feed_key), String(row.feed_seq));
    };
    const { items, cursor } = await readAll(t, null, 50);
    const old = await oldCursorAfter(items.at(-1)!);
    // Answered with the cursor naming its event.
    expect(await t.model.db.findings.changes({}, { cursor: old })).toEqual({
      items: [],
      nextCursor: cursor,
      hasMore: false,
    });
    await t.model.db.findings.revokeAcceptance(ids.b!, 'carol', 'not any more');
    await settled(t);
    const next = await readAll(t, old, 50);
    expect(summary(next.items)).toEqual(['acceptance-revoked:b:carol']);

    const lost = await oldCursorAfter(next.items[0]!);
    await restoreWithout(next.items);
    await expect(t.model.db.findings.changes({}, { cursor: lost })).rejects.toThrow(
      CursorGoneError,
    );
  });
});

// PostgreSQL: the keys are transaction ids, and another server (a dump restored into it, logical
// replication, blue/green) or a point-in-time recovery numbers transactions from lower down.
describe.each(testDrivers.filter((d) => d.dialect === 'postgresql'))(
  'the finding changes feed after a restore into a server with lower transaction ids on $dialect',
  (driver) => {
    let t: TestModel;
    let knex: Knex;
    beforeAll(async () => {
      t = await driver.create();
      knex = t.model.orm.em.getKnex();
    });
    afterAll(async () => t?.dispose());

    it('lists the restored events, then every later one after them, each once, from migrate on', async () => {
      const db = t.model.db;
      const s1 = await db.snapshots.record(
        acme,
        tenant,
        users(['a', 'STANDARD'], ['b', 'STANDARD']),
        new Date(),
      );
      const opened = await db.findings.apply(acme, s1.id, [unidentified('a'), unidentified('b')]);
      const a = opened.transitions.find((x) => x.finding.subject.id === 'a')!.finding.id;
      await db.findings.acceptRisk(a, { reason: 'contractor', by: 'alice' });
      // As written by a server whose transaction ids were 10^12 further on.
      await knex('finding_event')
        .whereNotNull('feed_seq')
        .update({ feed_key: knex.raw('feed_key + 1000000000000') });
      expect(await t.model.migrateUp()).toEqual([]);
      await settled(t);
      expect(t.model.backfilled).toMatchObject({ feedRebased: true, state: 'done' });
      // A client that had read every event from the old server holds the cursor after the last.
      const restored = await db.findings.changes({}, { limit: 3 });
      expect(summary(restored.items).slice(2)).toEqual(['accepted:a:alice']);

      await db.findings.acceptRisk(a, { reason: 'again', by: 'carol' });
      const s2 = await db.snapshots.record(acme, tenant, users(['a', 'STANDARD']), new Date());
      await db.findings.apply(acme, s2.id, [unidentified('a')]);
      await settled(t);
      expect(summary((await readAll(t, restored.nextCursor, 1)).items)).toEqual([
        'accepted:a:carol',
        'resolved:b:reconciler',
      ]);
      const all = (await readAll(t, null, 2)).items;
      expect(all).toHaveLength(5);
      expect(new Set(all.map((c) => c.id)).size).toBe(5);
      // Nothing to move once moved: the next migrate only reads.
      await t.model.migrateUp();
      expect(t.model.backfilled).not.toHaveProperty('feedRebased');
    });
  },
);
