import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FindingChange } from '../services/finding-feed.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { acme, at, tenant, unidentified, users } from '../test/fixtures.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';

const BEFORE_FEED = 'Migration20261207110000_snapshot_findings_applied_at';

describe.each(testDrivers)('the finding event feed migration on $dialect', (driver) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await driver.create({ migrate: false });
  });
  afterAll(async () => t?.dispose());

  async function walk(limit: number): Promise<FindingChange[]> {
    const all: FindingChange[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await t.model.db.findings.changes({}, { limit, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
      if (!page.hasMore) return all;
    }
  }

  it('lists the events written before it first, by time, then those written after', async () => {
    await t.model.orm.getMigrator().up({ to: BEFORE_FEED });
    // The clock runs backwards: the events written before the feed are listed by their time.
    const clock = new ManualClock(at('2026-11-03T00:00:00Z'));
    const db = databaseWithClock(t.model, clock);
    const s = await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'STANDARD'], ['b', 'STANDARD'], ['c', 'STANDARD']),
      at('2026-11-01T00:00:00Z'),
    );
    const opened = await db.findings.apply(acme, s.id, [unidentified('a'), unidentified('b')]);
    const a = opened.transitions.find((x) => x.finding.subject.id === 'a')!.finding.id;
    clock.set(at('2026-11-02T00:00:00Z'));
    await db.findings.acceptRisk(a, { reason: 'before the feed', by: 'alice' });

    await t.model.migrateUp();
    clock.set(at('2026-11-01T00:00:00Z'));
    await db.findings.revokeAcceptance(a, 'bob', 'after the feed');
    await db.findings.apply(acme, s.id, [unidentified('a'), unidentified('c')]);

    // Listed once no transaction older than them is in progress anywhere on the server (other
    // test files run beside this one): waited for.
    const rows = await t.model.orm.em.getKnex()('finding_event').count({ count: '*' });
    const feed = await vi.waitFor(
      async () => {
        const listed = await walk(500);
        expect(listed).toHaveLength(Number(rows[0]!.count));
        return listed;
      },
      { timeout: 60_000, interval: 200 },
    );
    const kinds = feed.map((c) => `${c.type}:${c.subject.id}`);
    // Events of one transaction (one evaluation) come in the order it wrote them.
    expect([kinds[0], kinds.slice(1, 3).sort(), kinds[3], kinds.slice(4).sort()]).toEqual([
      'accepted:a',
      ['opened:a', 'opened:b'],
      'acceptance-revoked:a',
      ['opened:c', 'resolved:b'],
    ]);
    expect(feed.slice(0, 3).map((c) => c.at)).toEqual([
      at('2026-11-02T00:00:00Z'),
      at('2026-11-03T00:00:00Z'),
      at('2026-11-03T00:00:00Z'),
    ]);
    // Pages cut anywhere, across the change of order included, list the same.
    for (const limit of [1, 2, 3]) expect(await walk(limit)).toEqual(feed);
  });
});
