import { describe, expect, it } from 'vitest';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at, tenant, unidentified, users } from '../test/fixtures.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import type { Database } from './database.js';
import { REACCEPT_RETRY_WINDOW_MS } from './findings.js';

const DAY = 86_400_000;

describe.each(testDrivers)('accepting the same risk again on $dialect', (driver) => {
  const t = useTestModel(driver);
  const clock = new ManualClock(at('2026-11-01T00:00:00Z'));
  let clocked: Database | undefined;
  const db = () => (clocked ??= databaseWithClock(t.model, clock));
  const after = (ms: number) => clock.set(new Date(Date.parse('2026-11-01T00:00:00Z') + ms));
  let id: string;

  it('takes a repeat by the same person within the window for a retry: nothing changes', async () => {
    const s = await db().snapshots.record(acme, tenant, users(['a', 'STANDARD']), clock.now());
    id = (await db().findings.apply(acme, s.id, [unidentified('a')], clock.now())).transitions[0]!
      .finding.id;
    const first = await db().findings.acceptRisk(id, { reason: 'contractor', by: 'alice' });
    expect(first.finding.acceptedRisk?.until).toEqual(new Date(clock.now().getTime() + 365 * DAY));

    // The client timed out and sends the same request again, a minute later.
    after(60_000);
    const retried = await db().findings.acceptRisk(id, { reason: 'contractor', by: 'alice' });
    expect(retried).toEqual(first);
    // The same with the end it was given, up to the end of the window.
    after(REACCEPT_RETRY_WINDOW_MS - 1);
    const explicit = await db().findings.acceptRisk(id, {
      reason: 'contractor',
      by: 'alice',
      until: first.finding.acceptedRisk!.until,
    });
    expect(explicit).toEqual(first);
    expect((await db().findings.history(id)).map((e) => e.type)).toEqual(['opened', 'accepted']);
    expect(await db().findings.get(id)).toEqual(first.finding);
  });

  it('records anything else as a new acceptance', async () => {
    const events = async () => (await db().findings.history(id)).length;
    const before = await events();
    // Another reason, another end, another person: each a change.
    after(REACCEPT_RETRY_WINDOW_MS - 1);
    const reason = await db().findings.acceptRisk(id, {
      reason: 'contractor, renewed',
      by: 'alice',
    });
    expect(reason.event.type).toBe('accepted');
    const until = new Date(clock.now().getTime() + 30 * DAY);
    const shorter = await db().findings.acceptRisk(id, {
      reason: 'contractor, renewed',
      by: 'alice',
      until,
    });
    expect(shorter.finding.acceptedRisk?.until).toEqual(until);
    const other = await db().findings.acceptRisk(id, { reason: 'contractor, renewed', by: 'bob' });
    expect(other.finding.acceptedRisk?.by).toBe('bob');
    expect(await events()).toBe(before + 3);

    // Past the window the same request renews: a new event, the period from now.
    after(2 * REACCEPT_RETRY_WINDOW_MS);
    const renewed = await db().findings.acceptRisk(id, {
      reason: 'contractor, renewed',
      by: 'bob',
    });
    expect(renewed.event.id).not.toBe(other.event.id);
    expect(renewed.finding.acceptedRisk).toMatchObject({
      at: clock.now(),
      until: new Date(clock.now().getTime() + 365 * DAY),
    });
    expect(await events()).toBe(before + 4);
  });
});
