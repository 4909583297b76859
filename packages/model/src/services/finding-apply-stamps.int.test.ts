import { describe, expect, it } from 'vitest';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at, tenant, unidentified, users } from '../test/fixtures.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import type { Database } from './database.js';

const UNTIL = at('2026-12-20T00:00:00Z');

/** Each event no earlier than the one before it. */
function expectOrdered(times: Date[]): void {
  for (let i = 1; i < times.length; i++)
    expect(times[i]!.getTime()).toBeGreaterThanOrEqual(times[i - 1]!.getTime());
}

describe.each(testDrivers)(
  'what an evaluation writes is stamped when written on $dialect',
  (driver) => {
    const t = useTestModel(driver);

    it('an acceptance made while the sync waited comes before the resolution in history, updatedAt and since', async () => {
      const clock = new ManualClock(at('2026-12-01T10:00:00Z'));
      const db: Database = databaseWithClock(t.model, clock);
      const s0 = await db.snapshots.record(
        acme,
        tenant,
        users(['a', 'STANDARD'], ['b', 'STANDARD']),
        at('2026-12-01T10:00:00Z'),
      );
      const opened = await db.findings.apply(
        acme,
        s0.id,
        [unidentified('a'), unidentified('b')],
        at('2026-12-01T10:00:00Z'),
      );
      const a = opened.transitions.find((x) => x.finding.subject.id === 'a')!.finding;

      // The sync starts at 11:00 and evaluates then; it records the snapshot at 11:01 (after the
      // Xero calls) and commits its findings at 11:03. Meanwhile, at 11:02, an admin accepts a.
      const syncStart = at('2026-12-01T11:00:00Z');
      const s1 = await db.snapshots.record(
        acme,
        tenant,
        users(['b', 'STANDARD'], ['c', 'STANDARD']),
        at('2026-12-01T11:01:00Z'),
      );
      clock.set(at('2026-12-01T11:02:00Z'));
      const accepted = await db.findings.acceptRisk(a.id, {
        reason: 'leaving this week',
        by: 'alice@acme.test',
        until: UNTIL,
      });
      clock.set(at('2026-12-01T11:03:00Z'));
      const applied = await db.findings.apply(
        acme,
        s1.id,
        [unidentified('b'), unidentified('c')],
        syncStart,
      );

      expect(applied.transitions.map((x) => [x.type, x.finding.subject.id, x.at])).toEqual([
        ['opened', 'c', at('2026-12-01T11:03:00Z')],
        ['resolved', 'a', at('2026-12-01T11:03:00Z')],
      ]);
      const history = await db.findings.history(a.id);
      expect(history.map((e) => [e.type, e.fromStatus, e.toStatus, e.at])).toEqual([
        ['opened', null, 'open', at('2026-12-01T10:00:00Z')],
        ['accepted', 'open', 'accepted', at('2026-12-01T11:02:00Z')],
        ['resolved', 'accepted', 'resolved', at('2026-12-01T11:03:00Z')],
      ]);
      const resolved = (await db.findings.get(a.id))!;
      expect(resolved.updatedAt.getTime()).toBeGreaterThanOrEqual(
        accepted.finding.updatedAt.getTime(),
      );
      expect(resolved.resolvedAt!.getTime()).toBeGreaterThanOrEqual(s1.takenAt.getTime());
      expect((await db.findings.list({ subjectId: 'b' })).items[0]).toMatchObject({
        firstSeenAt: at('2026-12-01T10:00:00Z'),
        lastSeenAt: at('2026-12-01T11:03:00Z'),
        updatedAt: at('2026-12-01T11:03:00Z'),
      });
      // A client that polled at 11:02 finds c on its next poll.
      const since = await db.findings.list({ connection: acme, since: at('2026-12-01T11:02:00Z') });
      expect(since.items.map((f) => f.subject.id)).toEqual(['c']);
    });

    it('with the system clock too: the resolution is not stamped before the acceptance it follows', async () => {
      const db = t.model.db;
      const ref = { namespace: 'finance', name: 'system-clock' };
      const s0 = await db.snapshots.record(ref, tenant, users(['d', 'STANDARD']), new Date());
      const [opened] = (await db.findings.apply(ref, s0.id, [unidentified('d')])).transitions;
      const syncStart = new Date(Date.now() - 2 * 60_000);
      const s1 = await db.snapshots.record(ref, tenant, [], new Date());
      const accepted = await db.findings.acceptRisk(opened!.finding.id, {
        reason: 'leaving this week',
        by: 'alice@acme.test',
        until: new Date(Date.now() + 7 * 86_400_000),
      });
      await db.findings.apply(ref, s1.id, [], syncStart);

      const history = await db.findings.history(opened!.finding.id);
      expect(history.map((e) => e.type)).toEqual(['opened', 'accepted', 'resolved']);
      expectOrdered(history.map((e) => e.at));
      const resolved = (await db.findings.get(opened!.finding.id))!;
      expect(resolved.status).toBe('resolved');
      expectOrdered([accepted.finding.updatedAt, resolved.updatedAt]);
      expectOrdered([syncStart, s1.takenAt, resolved.resolvedAt!]);
    });
  },
);
