import { describe, expect, it } from 'vitest';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at } from '../test/fixtures.js';
import { redactWebhookTarget } from './webhooks.js';

describe.each(testDrivers)('audit log and webhook deliveries on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;

  it('appends audit entries and lists them newest first with filters and pages', async () => {
    for (let i = 0; i < 5; i++) {
      await db().audit.append(
        {
          actor: i % 2 ? 'alice' : 'bob',
          actorRole: 'admin',
          action: 'staff.create',
          resourceType: 'staff',
          resourceId: `s${i}`,
          sourceIp: '10.0.0.1',
          details: { i },
        },
        at(`2026-11-01T00:0${i}:00Z`),
      );
    }
    const first = await db().audit.list({}, { limit: 3 });
    expect(first.items.map((e) => e.resourceId)).toEqual(['s4', 's3', 's2']);
    const rest = await db().audit.list({}, { limit: 3, cursor: first.nextCursor });
    expect(rest.items.map((e) => e.resourceId)).toEqual(['s1', 's0']);
    expect(rest.items[1]).toMatchObject({
      actor: 'bob',
      sourceIp: '10.0.0.1',
      outcome: 'success',
      details: { i: 0 },
    });
    expect((await db().audit.list({ actor: 'alice' })).items.map((e) => e.resourceId)).toEqual([
      's3',
      's1',
    ]);
    expect((await db().audit.list({ since: at('2026-11-01T00:03:00Z') })).items).toHaveLength(2);
    await expect(db().audit.append({ actor: '', action: 'x', resourceType: 'y' })).rejects.toThrow(
      /^actor: /,
    );
  });

  it('settles a pending entry once: its outcome, actor and created id, never rewritten', async () => {
    const pending = await db().audit.append({
      actor: 'anonymous',
      action: 'POST /staff',
      resourceType: 'staff',
      outcome: 'pending',
    });
    expect(pending.outcome).toBe('pending');
    const settled = await db().audit.settle(pending.id, {
      outcome: 'success',
      actor: 'token:hr',
      resourceId: 's-new',
      details: { status: 201 },
    });
    expect(settled).toBe(true);
    // A second settle (a retry, or a forged one) finds nothing pending and changes nothing.
    expect(await db().audit.settle(pending.id, { outcome: 'failure' })).toBe(false);
    expect(
      await db().audit.settle('00000000-0000-4000-8000-000000000000', { outcome: 'success' }),
    ).toBe(false);
    const [entry] = (await db().audit.list({ action: 'POST /staff' })).items;
    expect(entry).toMatchObject({
      id: pending.id,
      outcome: 'success',
      actor: 'token:hr',
      resourceId: 's-new',
      details: { status: 201 },
    });
    await expect(db().audit.settle(pending.id, { outcome: 'success', actor: ' ' })).rejects.toThrow(
      /^actor: /,
    );
  });

  it('enqueues a delivery once per event and target, and records attempts until delivered or given up', async () => {
    const input = {
      eventType: 'finding.opened',
      eventId: 'evt-1',
      target: 'https://hooks.acme.test/xero',
      payload: { finding: { id: 'f1' } },
    };
    const d = await db().webhooks.enqueue(input, at('2026-11-01T00:00:00Z'));
    expect((await db().webhooks.enqueue(input, at('2026-11-01T00:00:05Z'))).id).toBe(d.id);
    expect((await db().webhooks.due(at('2026-11-01T00:00:01Z'))).map((x) => x.id)).toEqual([d.id]);
    const claim = { claimedBy: 'sender-1', leaseMs: 30_000 };
    expect(await db().webhooks.claimDue(claim, at('2026-11-01T00:00:01Z'))).toHaveLength(1);

    const retry = await db().webhooks.recordAttempt(d.id, 'sender-1', {
      ok: false,
      statusCode: 503,
      error: 'Service Unavailable',
      nextAttemptAt: at('2026-11-01T00:01:00Z'),
    });
    expect(retry.delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 503 });
    expect(await db().webhooks.due(at('2026-11-01T00:00:30Z'))).toEqual([]);
    expect(await db().webhooks.claimDue(claim, at('2026-11-01T00:01:00Z'))).toHaveLength(1);
    const ok = await db().webhooks.recordAttempt(
      d.id,
      'sender-1',
      { ok: true, statusCode: 204 },
      at('2026-11-01T00:01:01Z'),
    );
    expect(ok.delivery).toMatchObject({
      status: 'delivered',
      attempts: 2,
      deliveredAt: at('2026-11-01T00:01:01Z'),
      lastError: null,
      payload: { finding: { id: 'f1' } },
    });

    const other = await db().webhooks.enqueue({ ...input, eventId: 'evt-2' });
    expect((await db().webhooks.claimDue(claim)).map((x) => x.id)).toEqual([other.id]);
    const failed = await db().webhooks.recordAttempt(other.id, 'sender-1', {
      ok: false,
      error: 'ECONNREFUSED',
      nextAttemptAt: null,
    });
    expect(failed.delivery.status).toBe('failed');
    expect((await db().webhooks.list({ status: 'failed' })).items.map((x) => x.eventId)).toEqual([
      'evt-2',
    ]);
    expect((await db().webhooks.list({}, { limit: 1 })).nextCursor).not.toBeNull();
  });

  it('stores only the scheme, host and port of a target, with a short hash of its path and query', async () => {
    const slack = 'https://hooks.slack.test/services/T0001/B0001/s3cr3tW3bh00kT0k3n';
    const teams = 'https://teams.acme.test:8443/webhook?code=pr1v4t3';
    const base = { eventType: 'finding.opened', eventId: 'evt-redacted', payload: {} };
    const stored = [
      await db().webhooks.enqueue({ ...base, target: slack }),
      await db().webhooks.enqueue({ ...base, target: teams }),
      await db().webhooks.enqueue({ ...base, target: 'http://hooks.acme.test/' }),
    ];
    expect(stored.map((d) => d.target)).toEqual([
      expect.stringMatching(/^https:\/\/hooks\.slack\.test\/\[sha256:[0-9a-f]{12}\]$/),
      expect.stringMatching(/^https:\/\/teams\.acme\.test:8443\/\[sha256:[0-9a-f]{12}\]$/),
      'http://hooks.acme.test',
    ]);
    expect(stored[0]!.target).not.toBe(redactWebhookTarget('https://hooks.slack.test/other'));
    // Idempotent per event and receiver, as before.
    expect((await db().webhooks.enqueue({ ...base, target: slack })).id).toBe(stored[0]!.id);
    const rows = await t.model.orm.em.getConnection().execute('select * from webhook_delivery');
    expect(JSON.stringify(rows)).not.toMatch(/s3cr3t|pr1v4t3|services|code=/);
  });

  it('refuses targets with credentials or other schemes', async () => {
    const base = { eventType: 'finding.opened', eventId: 'e', payload: {} };
    await expect(
      db().webhooks.enqueue({ ...base, target: 'https://user:pw@hooks.acme.test/' }),
    ).rejects.toThrow(/^target: must not contain credentials/);
    await expect(
      db().webhooks.enqueue({ ...base, target: 'ftp://hooks.acme.test/' }),
    ).rejects.toThrow(/^target: /);
  });
});
