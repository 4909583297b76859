import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindingEvent } from '../entities/finding-event.js';
import { Finding } from '../entities/finding.js';
import { NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { acme, tenant, unidentified, users } from '../test/fixtures.js';
import type { FindingEventRecord } from './finding-records.js';

describe.each(testDrivers)('finding history pages on $dialect', (driver) => {
  let t: TestModel;
  let findingId: string;
  let otherId: string;
  const base = Date.parse('2026-11-01T00:00:00Z');

  beforeAll(async () => {
    t = await driver.create();
    const db = t.model.db;
    const s = await db.snapshots.record(acme, tenant, users(), new Date(base));
    const { transitions } = await db.findings.apply(
      acme,
      s.id,
      [unidentified('a'), unidentified('b')],
      new Date(base),
    );
    [findingId, otherId] = ['a', 'b'].map(
      (u) => transitions.find((x) => x.finding.subject.id === u)!.finding.id,
    ) as [string, string];
    // 11 more events for `a`, three of them at the same instant (the id breaks the tie).
    const em = t.model.orm.em.fork();
    const finding = em.getReference(Finding, findingId);
    for (let i = 1; i <= 11; i++) {
      em.create(FindingEvent, {
        id: newId(),
        finding,
        type: i % 2 ? 'resolved' : 'reopened',
        fromStatus: i % 2 ? 'open' : 'resolved',
        toStatus: i % 2 ? 'resolved' : 'open',
        at: new Date(base + Math.min(i, 5) * 60_000),
      });
    }
    await em.flush();
  });
  afterAll(async () => t?.dispose());

  async function walk(id: string, limit: number): Promise<FindingEventRecord[]> {
    const all: FindingEventRecord[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.model.db.findings.historyPage(id, { limit, cursor });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  it('walks every event of the finding once, oldest first, ties broken by id', async () => {
    const everything = await t.model.db.findings.history(findingId);
    expect(everything).toHaveLength(12);
    const paged = await walk(findingId, 5);
    expect(paged).toEqual(everything);
    const keys = paged.map((e) => [e.at.getTime(), e.id] as const);
    for (let i = 1; i < keys.length; i++) {
      const [pt, pid] = keys[i - 1]!;
      const [ct, cid] = keys[i]!;
      expect(pt < ct || (pt === ct && pid < cid)).toBe(true);
    }
    expect(paged.every((e) => e.findingId === findingId)).toBe(true);
    expect(await walk(otherId, 5)).toHaveLength(1);
  });

  it('answers the first page as before, up to the limit, without a cursor', async () => {
    const first = await t.model.db.findings.historyPage(findingId);
    expect(first).toEqual({
      items: await t.model.db.findings.history(findingId),
      nextCursor: null,
    });
  });

  it('refuses a bad cursor or limit naming the field, and an unknown finding', async () => {
    const history = t.model.db.findings.historyPage.bind(t.model.db.findings);
    await expect(history(findingId, { cursor: 'not-a-cursor' })).rejects.toThrow(/^cursor: /);
    const page = await history(findingId, { limit: 1 });
    await expect(history(otherId, { cursor: page.nextCursor })).rejects.toThrow(/^cursor: /);
    await expect(history(findingId, { limit: 0 })).rejects.toThrow(/^limit: /);
    await expect(history(findingId, { limit: 501 })).rejects.toThrow(/^limit: /);
    await expect(history(newId())).rejects.toThrow(NotFoundError);
  });

  it('reads a later page as an index range in (at, id) order, without a sort', async () => {
    const knex = t.model.orm.em.getConnection().getKnex();
    const seen: { sql: string; bindings: unknown[] }[] = [];
    const capture = (q: { sql: string; bindings?: unknown[] }) =>
      seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
    const page = await t.model.db.findings.historyPage(findingId, { limit: 2 });
    knex.on('query', capture);
    try {
      await t.model.db.findings.historyPage(findingId, { limit: 2, cursor: page.nextCursor });
    } finally {
      knex.removeListener('query', capture);
    }
    const { sql, bindings } = seen.find((q) => /from ["`]finding_event["`]/.test(q.sql))!;
    const plan = await t.model.orm.em.fork().transactional(async (em) => {
      if (t.model.dialect === 'postgresql') {
        // A few rows would be scanned whole; what matters is that the index can serve the page.
        await em.execute('set local enable_seqscan = off');
        const rows = await em.execute<{ 'QUERY PLAN': string }[]>(`explain ${sql}`, bindings);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      }
      const rows = await em.execute<{ detail: string }[]>(`explain query plan ${sql}`, bindings);
      return rows.map((r) => r.detail).join('\n');
    });
    expect(plan).toContain('finding_event_finding_at_id_index');
    expect(plan).not.toMatch(/sort|temp b-tree/i);
  });
});
