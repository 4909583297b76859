import { describe, expect, it } from 'vitest';
import type { ReportedFinding } from '../findings/reported-finding.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { tenant, unidentified, users } from '../test/fixtures.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import type { ConnectionRef } from './context.js';
import type { FindingRecord } from './finding-records.js';

const minute = (i: number) => new Date(Date.parse('2026-11-01T00:00:00Z') + i * 60_000);
const subjects = (count: number): ReportedFinding[] =>
  Array.from({ length: count }, (_, i) => unidentified(`u${i}`));

/** An export of open findings, page by page, while the reconciler keeps syncing. */
describe.each(testDrivers)('paging findings while a sync runs, on $dialect', (driver) => {
  const t = useTestModel(driver);

  it.each(['desc', 'asc'] as const)(
    'lists every open finding exactly once when a sync between pages touches the rest (%s)',
    async (order) => {
      const ref: ConnectionRef = { namespace: 'finance', name: `export-${order}` };
      const clock = new ManualClock(minute(0));
      const db = databaseWithClock(t.model, clock);
      const sync = async (found: ReportedFinding[], at: Date) => {
        clock.set(at);
        const s = await db.snapshots.record(ref, tenant, users(), at);
        await db.findings.apply(ref, s.id, found, at);
      };
      // Three evaluations: findings first seen at minutes 0, 1 and 2.
      for (let i = 0; i < 3; i++) await sync(subjects(3 * (i + 1)), minute(i));
      const open = (await db.findings.list({ connection: ref, status: 'open' }, { limit: 500 }))
        .items;
      expect(open).toHaveLength(9);

      const filter = { connection: ref, status: 'open' as const };
      const first = await db.findings.list(filter, { limit: 4, order });
      // Every finding still reported (its lastSeenAt rewritten), and a new one.
      await sync(subjects(10), minute(10));
      const rest: FindingRecord[] = [];
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await db.findings.list(filter, { limit: 4, order, cursor });
        rest.push(...page.items);
        cursor = page.nextCursor;
      }
      expect(rest.every((f) => f.lastSeenAt.getTime() === minute(10).getTime())).toBe(true);

      const listed = [...first.items, ...rest].map((f) => f.id);
      expect(new Set(listed).size).toBe(listed.length);
      expect(open.map((f) => f.id).filter((id) => !listed.includes(id))).toEqual([]);
      // The finding opened after the export began comes last in ascending order only.
      expect(listed).toHaveLength(order === 'asc' ? 10 : 9);

      // Ordering by the value the sync rewrote is refused, naming the order to use.
      await expect(
        db.findings.list(filter, { limit: 4, order, sort: 'lastSeenAt' as 'firstSeenAt' }),
      ).rejects.toThrow(/^sort: lastSeenAt cannot order pages: .*sort=firstSeenAt/);
    },
  );
});
