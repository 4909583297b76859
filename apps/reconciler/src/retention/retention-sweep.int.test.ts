import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrm, redactWebhookTarget, type ModelOrm } from '@xero-access/model';
import { createTestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { silentLogger } from '../logging/logger.js';
import { ReconcilerMetrics } from '../metrics/metrics.js';
import { metricValue } from '../test/reconciler-process.js';
import { RetentionSweep, type RetentionLimits } from './retention-sweep.js';

const DAY = 86_400_000;

/** A migrated database of each driver the reconciler runs on, dropped after the suite. */
const databases = [
  {
    dialect: 'postgresql',
    async open() {
      const database = await createTestDatabase('retention');
      const model = await createOrm({ url: database.url, migrate: true, poolMax: 2 });
      return { model, url: database.url, dispose: () => database.drop() };
    },
  },
  {
    dialect: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'xao-retention-'));
      const url = `sqlite://${join(dir, 'xao.db')}`;
      const model = await createOrm({ url, migrate: true });
      return { model, url, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

describe.each(databases)('the retention sweep on $dialect', ({ open }) => {
  let model: ModelOrm;
  let url: string;
  let dispose: () => Promise<void>;
  const now = new Date('2026-12-07T12:00:00Z');
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);

  beforeAll(async () => {
    ({ model, url, dispose } = await open());
  });
  afterAll(async () => {
    await model?.close();
    await dispose?.();
  });

  function sweeper(limits: RetentionLimits, leader = true, term = new AbortController()) {
    const metrics = new ReconcilerMetrics({ defaultMetrics: false });
    const sweep = new RetentionSweep({
      db: model.db,
      database: reconcilerDatabase(url),
      leadership: () => (leader ? term.signal : undefined),
      limits,
      metrics,
      logger: silentLogger,
      batch: 1,
    });
    return { sweep, metrics };
  }

  /** Runs `then` as the sweep's first statement deleting from `table` is sent. */
  function onDelete(table: string, then: () => void): () => void {
    const knex = model.orm.em.getKnex();
    const listener = (query: { sql: string }) => {
      if (new RegExp(`^delete from .${table}. `, 'i').test(query.sql)) then();
    };
    knex.on('query', listener);
    return () => knex.off('query', listener);
  }

  async function delivered(eventId: string, createdAt: Date) {
    const d = await model.db.webhooks.enqueue(
      { eventType: 'finding.opened', eventId, target: 'https://hooks.example/a', payload: {} },
      createdAt,
    );
    await model.db.webhooks.recordAttempt(d.id, 'test', { ok: true, statusCode: 204 }, createdAt);
    return d.id;
  }

  it('on the leader: deletes deliveries and audit entries past their limits and counts them', async () => {
    await delivered('old', daysAgo(31));
    const recent = await delivered('recent', daysAgo(29));
    const pending = await model.db.webhooks.enqueue(
      {
        eventType: 'finding.opened',
        eventId: 'stuck',
        target: 'https://hooks.example/a',
        payload: {},
      },
      daysAgo(60),
    );
    const entry = { actor: 'alice@acme.test', action: 'staff.create', resourceType: 'staff' };
    await model.db.audit.append(entry, daysAgo(400));
    const kept = await model.db.audit.append(entry, daysAgo(300));

    const { sweep, metrics } = sweeper({ webhookDeliveriesMs: 30 * DAY, auditLogMs: 365 * DAY });
    expect(await sweep.sweep(now)).toEqual({
      webhook_targets_redacted: 0,
      webhook_deliveries: 1,
      audit_log: 1,
    });
    expect((await model.db.webhooks.list()).items.map((d) => d.id).sort()).toEqual(
      [recent, pending.id].sort(),
    );
    expect((await model.db.audit.list()).items.map((e) => e.id)).toEqual([kept.id]);
    const text = await metrics.registry.metrics();
    expect(metricValue(text, 'xao_retention_deleted_total{', 'kind="webhook_deliveries"')).toBe(1);
    expect(metricValue(text, 'xao_retention_deleted_total{', 'kind="audit_log"')).toBe(1);
  });

  it('prunes snapshots past RETENTION_SNAPSHOTS, keeping each newest, and counts snapshots and contents', async () => {
    const ref = { namespace: 'retention', name: 'acme' };
    const tenant = { tenantId: 'tenant-acme', tenantName: 'Acme Ltd' };
    const user = (role: string) => [
      { userId: 'u1', email: 'u1@acme.test', organisationRole: role },
    ];
    await model.db.snapshots.record(ref, tenant, user('ADVISER'), daysAgo(500));
    await model.db.snapshots.record(ref, tenant, user('STANDARD'), daysAgo(450));
    const head = await model.db.snapshots.record(ref, tenant, user('STANDARD'), daysAgo(420));
    expect(await sweeper({ auditLogMs: 365 * DAY }).sweep.sweep(now)).toEqual({
      webhook_targets_redacted: 0,
      audit_log: 0,
    });

    const { sweep, metrics } = sweeper({ snapshotsMs: 400 * DAY });
    expect(await sweep.sweep(now)).toEqual({
      webhook_targets_redacted: 0,
      snapshots: 2,
      snapshot_contents: 1,
    });
    expect(await model.db.snapshots.verifyChain(ref, tenant.tenantId)).toMatchObject({
      ok: true,
      length: 1,
      headHash: head.chainHash,
      checkpoint: { sequence: 2 },
    });
    const text = await metrics.registry.metrics();
    expect(metricValue(text, 'xao_retention_deleted_total{', 'kind="snapshots"')).toBe(2);
    expect(metricValue(text, 'xao_retention_deleted_total{', 'kind="snapshot_contents"')).toBe(1);
  });

  it('keeps the audit log forever unless a limit is set, and a standby deletes nothing', async () => {
    const entry = { actor: 'bob@acme.test', action: 'staff.update', resourceType: 'staff' };
    const ancient = await model.db.audit.append(entry, daysAgo(3_000));
    const old = await delivered('old-2', daysAgo(90));
    expect(
      await sweeper({ webhookDeliveriesMs: 30 * DAY }, false).sweep.sweep(now),
    ).toBeUndefined();
    expect((await model.db.webhooks.list()).items.map((d) => d.id)).toContain(old);
    expect(await sweeper({ webhookDeliveriesMs: 30 * DAY }).sweep.sweep(now)).toEqual({
      webhook_targets_redacted: 0,
      webhook_deliveries: 1,
    });
    expect((await model.db.audit.list()).items.map((e) => e.id)).toContain(ancient.id);
  });

  it('redacts a webhook target a previous version stored in full after the migrate', async () => {
    const full = 'https://hooks.example/services/T000/B000/secret-token';
    const d = await model.db.webhooks.enqueue(
      { eventType: 'finding.opened', eventId: 'upgrade', target: full, payload: {} },
      daysAgo(1),
    );
    // As a pre-redaction leader writes it, during the rolling upgrade.
    await model.orm.em.getKnex()('webhook_delivery').where({ id: d.id }).update({ target: full });
    expect(await sweeper({}).sweep.sweep(now)).toEqual({ webhook_targets_redacted: 1 });
    const [row] = await model.orm.em.getKnex()('webhook_delivery').where({ id: d.id });
    expect(row.target).toBe(redactWebhookTarget(full));
  });

  it('stops before the next batch once leadership ends mid-kind, and on shutdown', async () => {
    const entry = { actor: 'carol@acme.test', action: 'staff.delete', resourceType: 'staff' };
    const old = [];
    for (let i = 0; i < 4; i++) old.push((await model.db.audit.append(entry, daysAgo(5_000))).id);
    const remaining = async () =>
      (await model.db.audit.list({ actor: 'carol@acme.test' })).items.length;

    // The Lease lost while the first batch deletes: it commits, no other batch starts.
    const term = new AbortController();
    const lost = sweeper({ auditLogMs: 365 * DAY }, true, term);
    const off = onDelete('audit_log_entry', () => term.abort());
    try {
      expect(await lost.sweep.sweep(now)).toMatchObject({ audit_log: 1 });
    } finally {
      off();
    }
    expect(await remaining()).toBe(3);

    // SIGTERM while a scheduled sweep's batch deletes: stop() aborts it, and settles once it stops.
    const { sweep } = sweeper({ auditLogMs: 365 * DAY });
    let stopped: Promise<void> | undefined;
    const offAgain = onDelete('audit_log_entry', () => {
      stopped ??= sweep.scheduled.stop(60_000);
    });
    try {
      await sweep.scheduled.tick();
      await stopped;
    } finally {
      offAgain();
    }
    expect(await remaining()).toBe(2);
    expect(await sweep.sweep(now)).toBeUndefined();
  });
});
