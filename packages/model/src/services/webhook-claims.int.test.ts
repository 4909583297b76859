import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm, type ModelOrm } from '../orm/create-orm.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at } from '../test/fixtures.js';
import { ValidationError } from '../errors.js';

const target = 'https://hooks.acme.test/xero';
const LEASE_MS = 30_000;
const ADD_MS = (date: Date, ms: number) => new Date(date.getTime() + ms);

describe.each(testDrivers)('webhook delivery claims on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;
  // A second process on the same database: another leader, or another install in a failover.
  let other: ModelOrm;
  beforeAll(async () => {
    other = await createOrm({ url: t.url });
  });
  afterAll(async () => other?.close());

  async function enqueue(eventId: string, now: Date) {
    return db().webhooks.enqueue(
      { eventType: 'finding.opened', eventId, target, payload: {} },
      now,
    );
  }

  it('gives each due delivery to one of two senders claiming at once, never to both', async () => {
    const now = at('2026-11-02T00:00:00Z');
    const enqueued = [];
    for (let i = 0; i < 30; i++) enqueued.push((await enqueue(`race-${i}`, now)).id);
    const claimedBy: Record<string, string[]> = { a: [], b: [] };
    const drain = async (sender: 'a' | 'b', model: ModelOrm) => {
      // Bounded (each claim takes a row at least), should claims ever hand the same rows out again.
      for (let i = 0; i < 30; i++) {
        const claimed = await model.db.webhooks.claimDue(
          { claimedBy: sender, leaseMs: LEASE_MS, limit: 3 },
          now,
        );
        if (claimed.length === 0) return;
        claimedBy[sender]!.push(...claimed.map((d) => d.id));
      }
    };
    await Promise.all([drain('a', t.model), drain('b', other), drain('a', t.model)]);

    const all = [...claimedBy.a!, ...claimedBy.b!];
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual([...enqueued].sort());
    const [first] = (await db().webhooks.list({}, { limit: 1 })).items;
    expect(first).toMatchObject({ claimedUntil: ADD_MS(now, LEASE_MS) });
    expect(['a', 'b']).toContain(first!.claimedBy);
    expect(await db().webhooks.due(now)).toEqual([]);
    for (const sender of ['a', 'b'] as const)
      for (const id of claimedBy[sender]!) {
        const { recorded } = await db().webhooks.recordAttempt(id, sender, {
          ok: true,
          statusCode: 204,
        });
        expect(recorded).toBe(true);
      }
  });

  it('never turns a delivered row back: a late failure of another sender is not recorded', async () => {
    const now = at('2026-11-03T00:00:00Z');
    const d = await enqueue('late-failure', now);
    const [claimedByA] = await db().webhooks.claimDue({ claimedBy: 'a', leaseMs: LEASE_MS }, now);
    expect(claimedByA!.id).toBe(d.id);
    // A's claim lapses (A stalled), B takes the row over and delivers it.
    const later = ADD_MS(now, LEASE_MS);
    const [claimedByB] = await other.db.webhooks.claimDue(
      { claimedBy: 'b', leaseMs: LEASE_MS },
      later,
    );
    expect(claimedByB).toMatchObject({ id: d.id, claimedBy: 'b' });
    const delivered = await other.db.webhooks.recordAttempt(
      d.id,
      'b',
      { ok: true, statusCode: 204 },
      later,
    );
    expect(delivered).toMatchObject({
      recorded: true,
      delivery: { status: 'delivered', attempts: 1, claimedBy: null, claimedUntil: null },
    });

    // A's receiver answers 409 to the duplicate delivery id; B's a retry, then gives up.
    const refused = await db().webhooks.recordAttempt(d.id, 'a', {
      ok: false,
      statusCode: 409,
      error: 'HTTP 409',
      nextAttemptAt: ADD_MS(later, 60_000),
    });
    const givenUp = await other.db.webhooks.recordAttempt(d.id, 'b', {
      ok: false,
      statusCode: 409,
      error: 'HTTP 409',
      nextAttemptAt: null,
    });
    for (const late of [refused, givenUp]) {
      expect(late.recorded).toBe(false);
      expect(late.delivery).toMatchObject({
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 204,
        lastError: null,
        deliveredAt: later,
        nextAttemptAt: null,
      });
    }
    // A success recorded twice counts once.
    expect(
      (await db().webhooks.recordAttempt(d.id, 'a', { ok: true, statusCode: 200 })).recorded,
    ).toBe(false);
    const [stored] = (await db().webhooks.list({}, { limit: 1 })).items;
    expect(stored).toMatchObject({
      id: d.id,
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 204,
    });
  });

  it('records a failure only from the sender holding the claim, and a success from either', async () => {
    const now = at('2026-11-04T00:00:00Z');
    const d = await enqueue('taken-over', now);
    await db().webhooks.claimDue({ claimedBy: 'a', leaseMs: LEASE_MS }, now);
    const later = ADD_MS(now, LEASE_MS + 1);
    await other.db.webhooks.claimDue({ claimedBy: 'b', leaseMs: LEASE_MS }, later);

    // A's claim was taken over: its failure leaves the retry to B.
    const stale = await db().webhooks.recordAttempt(d.id, 'a', {
      ok: false,
      error: 'TimeoutError: The operation was aborted due to timeout',
      nextAttemptAt: ADD_MS(later, 2_000),
    });
    expect(stale).toMatchObject({
      recorded: false,
      delivery: { status: 'pending', attempts: 0, claimedBy: 'b', lastError: null },
    });
    // Nor may a sender that claimed nothing write.
    expect(
      (await db().webhooks.recordAttempt(d.id, 'c', { ok: false, error: 'x', nextAttemptAt: null }))
        .recorded,
    ).toBe(false);

    const retry = await other.db.webhooks.recordAttempt(
      d.id,
      'b',
      { ok: false, statusCode: 503, error: 'HTTP 503', nextAttemptAt: ADD_MS(later, 2_000) },
      later,
    );
    expect(retry).toMatchObject({
      recorded: true,
      delivery: { status: 'pending', attempts: 1, lastStatusCode: 503, claimedBy: null },
    });
    // Unclaimed now: B's failure is recorded once, not again.
    expect(
      (
        await other.db.webhooks.recordAttempt(d.id, 'b', {
          ok: false,
          error: 'HTTP 503',
          nextAttemptAt: null,
        })
      ).recorded,
    ).toBe(false);
    // A POST that got a 2xx is recorded whoever holds the row: the receiver has the alert.
    const ok = await db().webhooks.recordAttempt(d.id, 'a', { ok: true, statusCode: 202 }, later);
    expect(ok).toMatchObject({
      recorded: true,
      delivery: { status: 'delivered', attempts: 2, lastStatusCode: 202, deliveredAt: later },
    });
  });

  it('lets another sender take over a claim that lapsed (its sender crashed), and not before', async () => {
    const now = at('2026-11-05T00:00:00Z');
    const d = await enqueue('crashed', now);
    const [crashed] = await db().webhooks.claimDue(
      { claimedBy: 'crashed', leaseMs: LEASE_MS },
      now,
    );
    expect(crashed).toMatchObject({ id: d.id, claimedBy: 'crashed', attempts: 0 });

    const during = ADD_MS(now, LEASE_MS - 1);
    expect(await other.db.webhooks.claimDue({ claimedBy: 'b', leaseMs: LEASE_MS }, during)).toEqual(
      [],
    );
    expect(await other.db.webhooks.due(during)).toEqual([]);

    const lapsed = ADD_MS(now, LEASE_MS);
    expect((await other.db.webhooks.due(lapsed)).map((x) => x.id)).toEqual([d.id]);
    const [retried] = await other.db.webhooks.claimDue(
      { claimedBy: 'b', leaseMs: LEASE_MS },
      lapsed,
    );
    expect(retried).toMatchObject({
      id: d.id,
      claimedBy: 'b',
      claimedUntil: ADD_MS(lapsed, LEASE_MS),
    });
    expect(
      (await other.db.webhooks.recordAttempt(d.id, 'b', { ok: true, statusCode: 200 })).delivery
        .status,
    ).toBe('delivered');
  });

  it('hands a released claim to the next sender at once', async () => {
    const now = at('2026-11-06T00:00:00Z');
    const d = await enqueue('released', now);
    await db().webhooks.claimDue({ claimedBy: 'stopping', leaseMs: LEASE_MS }, now);
    expect(await db().webhooks.releaseClaim(d.id, 'someone-else')).toBe(false);
    expect(await db().webhooks.releaseClaim(d.id, 'stopping')).toBe(true);
    expect(await db().webhooks.releaseClaim(d.id, 'stopping')).toBe(false);
    const [next] = await other.db.webhooks.claimDue({ claimedBy: 'next', leaseMs: LEASE_MS }, now);
    expect(next).toMatchObject({ id: d.id, claimedBy: 'next', attempts: 0 });
  });

  it('refuses a claim without a sender or with a lease out of range, naming the field', async () => {
    const claim = (claimedBy: string, leaseMs: number) =>
      db().webhooks.claimDue({ claimedBy, leaseMs });
    await expect(claim('', LEASE_MS)).rejects.toThrow(/^claimedBy: /);
    await expect(claim('x'.repeat(129), LEASE_MS)).rejects.toThrow(/^claimedBy: /);
    await expect(claim('a', 999)).rejects.toThrow(/^leaseMs: /);
    await expect(claim('a', 1.5e3)).resolves.toBeDefined();
    await expect(claim('a', 1000.5)).rejects.toBeInstanceOf(ValidationError);
    await expect(
      db().webhooks.recordAttempt('00000000-0000-4000-8000-000000000000', '', {
        ok: true,
        statusCode: 200,
      }),
    ).rejects.toThrow(/^claimedBy: /);
  });
});
