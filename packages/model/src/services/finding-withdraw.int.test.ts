import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at, findingAlertsTo, tenant, unidentified, users } from '../test/fixtures.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import type { Database } from './database.js';
import { REACCEPT_RETRY_WINDOW_MS } from './findings.js';
import { redactWebhookTarget } from './webhooks.js';

const target = 'https://hooks.acme.test/xao';

describe.each(testDrivers)('withdrawing and acting on lapsed acceptances on $dialect', (driver) => {
  const t = useTestModel(driver);
  const clock = new ManualClock(at('2026-11-01T00:00:00Z'));
  let clocked: Database | undefined;
  const db = () => (clocked ??= databaseWithClock(t.model, clock));
  const later = (ms: number) => clock.set(new Date(clock.now().getTime() + ms));
  let ids: Record<string, string>;

  const types = async (id: string) => (await db().findings.history(id)).map((e) => e.type);

  it('answers a retried withdrawal with the withdrawal it repeats', async () => {
    const s = await db().snapshots.record(
      acme,
      tenant,
      users(['a', 'STANDARD'], ['b', 'STANDARD'], ['c', 'STANDARD'], ['d', 'STANDARD']),
      clock.now(),
    );
    const applied = await db().findings.apply(
      acme,
      s.id,
      ['a', 'b', 'c', 'd'].map((u) => unidentified(u)),
      clock.now(),
    );
    ids = Object.fromEntries(applied.transitions.map((x) => [x.finding.subject.id, x.finding.id]));
    const a = ids.a!;
    await db().findings.acceptRisk(a, { reason: 'contractor', by: 'alice' });
    later(60_000);
    const withdrawn = await db().findings.revokeAcceptance(a, 'bob', 'contract ended');
    expect(withdrawn.event).toMatchObject({ type: 'acceptance-revoked', actor: 'bob' });

    // bob's client timed out after the withdrawal committed, and sends it again.
    later(REACCEPT_RETRY_WINDOW_MS - 1);
    const retried = await db().findings.revokeAcceptance(a, 'bob', 'contract ended');
    expect(retried).toEqual(withdrawn);
    expect(await types(a)).toEqual(['opened', 'accepted', 'acceptance-revoked']);
  });

  it('refuses a withdrawal of an open finding that repeats none', async () => {
    const a = ids.a!;
    const refused = (by: string, note: string | null) =>
      db().findings.revokeAcceptance(a, by, note);
    // Someone else, another note: not the request that withdrew it.
    await expect(refused('carol', 'contract ended')).rejects.toThrow(
      new ConflictError(`finding ${a} is open, not accepted`),
    );
    await expect(refused('bob', null)).rejects.toThrow(ConflictError);
    // Past the window.
    later(1);
    await expect(refused('bob', 'contract ended')).rejects.toThrow(ConflictError);
    // The newest change is not the withdrawal: accepted again and withdrawn by another since.
    clock.set(at('2026-11-02T00:00:00Z'));
    await db().findings.acceptRisk(a, { reason: 'contractor', by: 'alice' });
    await db().findings.revokeAcceptance(a, 'carol', null);
    later(1000);
    await expect(refused('bob', 'contract ended')).rejects.toThrow(ConflictError);
    expect(await types(a)).toEqual([
      'opened',
      'accepted',
      'acceptance-revoked',
      'accepted',
      'acceptance-revoked',
    ]);
  });

  it('ends a lapsed acceptance before accepting again, as the sweep would have', async () => {
    const b = ids.b!;
    clock.set(at('2026-11-03T00:00:00Z'));
    await db().findings.acceptRisk(b, {
      reason: 'contractor',
      by: 'alice',
      until: at('2026-11-03T00:05:00Z'),
    });
    // Lapsed at 00:05; the sweep has not run yet. The same request, within the retry window.
    clock.set(at('2026-11-03T00:06:00Z'));
    const again = await db().findings.acceptRisk(
      b,
      { reason: 'contractor', by: 'alice' },
      { maxDays: 30 },
      findingAlertsTo(target),
    );
    expect(again.event).toMatchObject({ type: 'accepted', fromStatus: 'open', at: clock.now() });
    expect(again.finding.acceptedRisk).toEqual({
      reason: 'contractor',
      by: 'alice',
      at: at('2026-11-03T00:06:00Z'),
      until: at('2026-12-03T00:06:00Z'),
    });
    const history = await db().findings.history(b);
    expect(history.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ['opened', null, 'open'],
      ['accepted', 'open', 'accepted'],
      ['accepted-expired', 'accepted', 'open'],
      ['accepted', 'open', 'accepted'],
    ]);
    expect(history[2]).toMatchObject({
      actor: null,
      at: at('2026-11-03T00:06:00Z'),
      note: 'accepted risk expired at 2026-11-03T00:05:00.000Z (accepted by alice: contractor)',
    });
    // With the alert the sweep would have sent.
    const log = (await db().webhooks.list({ eventType: 'finding.accepted-expired' })).items;
    expect(log.map((d) => [d.eventId, d.target])).toEqual([
      [history[2]!.id, redactWebhookTarget(target)],
    ]);
    // And the sweep finds nothing left to do.
    expect(await db().findings.expireAcceptances(clock.now())).toEqual({
      expired: [],
      failed: [],
    });
  });

  it('ends a lapsed acceptance and refuses its withdrawal, naming when it lapsed', async () => {
    const c = ids.c!;
    clock.set(at('2026-11-04T00:00:00Z'));
    await db().findings.acceptRisk(c, {
      reason: 'contractor',
      by: 'alice',
      until: at('2026-11-04T00:05:00Z'),
    });
    clock.set(at('2026-11-04T00:06:00Z'));
    const refused = db().findings.revokeAcceptance(c, 'bob', null);
    await expect(refused).rejects.toThrow(ConflictError);
    await expect(refused).rejects.toThrow(
      `finding ${c}: its accepted risk lapsed at 2026-11-04T00:05:00.000Z, before this ` +
        'withdrawal; it is open again (accepted-expired), with nothing left to withdraw',
    );
    // The expiry is on record all the same, as the sweep would have written it.
    expect(await db().findings.get(c)).toMatchObject({ status: 'open', acceptedRisk: null });
    const history = await db().findings.history(c);
    expect(history.map((e) => [e.type, e.actor, e.at])).toEqual([
      ['opened', null, at('2026-11-01T00:00:00Z')],
      ['accepted', 'alice', at('2026-11-04T00:00:00Z')],
      ['accepted-expired', null, at('2026-11-04T00:06:00Z')],
    ]);
    // A retry is refused alike, and writes nothing more.
    await expect(db().findings.revokeAcceptance(c, 'bob', null)).rejects.toThrow(ConflictError);
    expect(await db().findings.history(c)).toHaveLength(3);
  });

  it('withdraws an acceptance up to the instant before it lapses', async () => {
    const d = ids.d!;
    clock.set(at('2026-11-05T00:00:00Z'));
    await db().findings.acceptRisk(d, {
      reason: 'contractor',
      by: 'alice',
      until: at('2026-11-05T00:05:00Z'),
    });
    clock.set(at('2026-11-05T00:04:59.999Z'));
    const withdrawn = await db().findings.revokeAcceptance(d, 'bob', null);
    expect(withdrawn.event.type).toBe('acceptance-revoked');
    expect(await types(d)).toEqual(['opened', 'accepted', 'acceptance-revoked']);
  });
});
