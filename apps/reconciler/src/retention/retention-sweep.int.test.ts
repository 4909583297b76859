import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrm, type ModelOrm } from '@xero-access/model';
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

  function sweeper(limits: RetentionLimits, leader = true) {
    const metrics = new ReconcilerMetrics({ defaultMetrics: false });
    const sweep = new RetentionSweep({
      db: model.db,
      database: reconcilerDatabase(url),
      isLeader: () => leader,
      limits,
      metrics,
      logger: silentLogger,
    });
    return { sweep, metrics };
  }

  async function delivered(eventId: string, createdAt: Date) {
    const d = await model.db.webhooks.enqueue(
      { eventType: 'finding.opened', eventId, target: 'https://hooks.example/a', payload: {} },
      createdAt,
    );
    await model.db.webhooks.recordAttempt(d.id, { ok: true, statusCode: 204 }, createdAt);
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
    expect(await sweep.sweep(now)).toEqual({ webhook_deliveries: 1, audit_log: 1 });
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
    expect(await sweeper({ auditLogMs: 365 * DAY }).sweep.sweep(now)).toEqual({ audit_log: 0 });

    const { sweep, metrics } = sweeper({ snapshotsMs: 400 * DAY });
    expect(await sweep.sweep(now)).toEqual({ snapshots: 2, snapshot_contents: 1 });
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
      webhook_deliveries: 1,
    });
    expect((await model.db.audit.list()).items.map((e) => e.id)).toContain(ancient.id);
  });
});
