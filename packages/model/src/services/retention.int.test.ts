import { describe, expect, it } from 'vitest';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at } from '../test/fixtures.js';

describe.each(testDrivers)('retention on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;
  const target = 'https://hooks.example/alerts';

  async function delivery(
    eventId: string,
    createdAt: Date,
    outcome: 'delivered' | 'failed' | null,
  ) {
    const d = await db().webhooks.enqueue(
      { eventType: 'finding.opened', eventId, target, payload: {} },
      createdAt,
    );
    // Only the claimant records a failure: claims every due row (pending ones stay pending).
    if (outcome === 'failed')
      await db().webhooks.claimDue({ claimedBy: 'test', leaseMs: 1_000, limit: 100 });
    if (outcome === 'delivered')
      await db().webhooks.recordAttempt(d.id, 'test', { ok: true, statusCode: 204 }, createdAt);
    if (outcome === 'failed')
      await db().webhooks.recordAttempt(
        d.id,
        'test',
        { ok: false, statusCode: 500, error: 'boom', nextAttemptAt: null },
        createdAt,
      );
    return d.id;
  }

  it('deletes delivered and undeliverable deliveries older than the limit, in batches, never pending ones', async () => {
    const old = at('2026-09-01T00:00:00Z');
    for (let i = 0; i < 5; i++) await delivery(`old-delivered-${i}`, old, 'delivered');
    await delivery('old-failed', old, 'failed');
    const pending = await delivery('old-pending', old, null);
    const recent = await delivery('recent-delivered', at('2026-11-20T00:00:00Z'), 'delivered');

    const result = await db().retention.pruneWebhookDeliveries(at('2026-11-01T00:00:00Z'), {
      batch: 2,
    });
    expect(result).toEqual({ deleted: 6, state: 'done' });
    const left = (await db().webhooks.list()).items.map((d) => d.id).sort();
    expect(left).toEqual([pending, recent].sort());
    expect(await db().retention.pruneWebhookDeliveries(at('2026-11-01T00:00:00Z'))).toEqual({
      deleted: 0,
      state: 'done',
    });
  });

  it('stops at the deadline and leaves the rest for the next run', async () => {
    await delivery('late-1', at('2026-09-02T00:00:00Z'), 'delivered');
    expect(
      await db().retention.pruneWebhookDeliveries(at('2026-11-01T00:00:00Z'), { deadline: 0 }),
    ).toEqual({ deleted: 0, state: 'time-up' });
    expect((await db().retention.pruneWebhookDeliveries(at('2026-11-01T00:00:00Z'))).deleted).toBe(
      1,
    );
  });

  it('deletes audit entries older than the limit, whatever their outcome', async () => {
    const entry = { actor: 'alice@acme.test', action: 'staff.create', resourceType: 'staff' };
    await db().audit.append({ ...entry, outcome: 'pending' }, at('2026-09-01T00:00:00Z'));
    await db().audit.append({ ...entry, outcome: 'success' }, at('2026-09-02T00:00:00Z'));
    const kept = await db().audit.append(entry, at('2026-11-02T00:00:00Z'));
    expect(await db().retention.pruneAuditLog(at('2026-11-01T00:00:00Z'), { batch: 1 })).toEqual({
      deleted: 2,
      state: 'done',
    });
    expect((await db().audit.list()).items.map((e) => e.id)).toEqual([kept.id]);
  });
});
