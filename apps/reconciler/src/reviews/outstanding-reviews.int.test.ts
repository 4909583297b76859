import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrm, type ModelOrm } from '@xero-access/model';
import { createTestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { silentLogger } from '../logging/logger.js';
import { ReconcilerMetrics } from '../metrics/metrics.js';
import { OutstandingReviews } from './outstanding-reviews.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A migrated database of each driver the reconciler runs on, dropped after the suite. */
const databases = [
  {
    dialect: 'postgresql',
    async open() {
      const database = await createTestDatabase('reviews');
      const model = await createOrm({ url: database.url, migrate: true, poolMax: 2 });
      return { model, url: database.url, dispose: () => database.drop() };
    },
  },
  {
    dialect: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'xao-reviews-'));
      const url = `sqlite://${join(dir, 'xao.db')}`;
      const model = await createOrm({ url, migrate: true });
      return { model, url, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

const tenant = { tenantId: '11111111-1111-4111-8111-111111111111', tenantName: 'Acme Ltd' };
const person = (userId: string, organisationRole: string) => ({
  userId,
  email: `${userId}@acme.test`,
  firstName: userId,
  lastName: 'Tester',
  organisationRole,
  isSubscriber: false,
  updatedDateUtc: '2026-11-01T00:00:00Z',
});

describe.each(databases)('the outstanding review work on $dialect', ({ open }) => {
  let model: ModelOrm;
  let url: string;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ model, url, dispose } = await open());
  });
  afterAll(async () => {
    await model?.close();
    await dispose?.();
  });

  /** The leader's refreshes (a standby's with `leader` false), its metrics read at `scrapeAt()`. */
  function exporter(scrapeAt: () => number, leader = true) {
    const metrics = new ReconcilerMetrics({ defaultMetrics: false, now: scrapeAt });
    metrics.setLeading(leader);
    const reviews = new OutstandingReviews({
      db: model.db,
      database: reconcilerDatabase(url),
      leadership: () => (leader ? new AbortController().signal : undefined),
      watches: (namespace) => namespace !== 'unwatched',
      metrics,
      logger: silentLogger,
    });
    const exported = async () =>
      (await metrics.registry.metrics())
        .split('\n')
        .filter((line) => /^xao_review|^xao_reviews/.test(line));
    return { reviews, exported };
  }

  it('counts a revoke decision whose user later snapshots still hold, and drops to 0 once one shows the access gone', async () => {
    const finance = { namespace: 'finance', name: 'acme' };
    const start = new Date(Date.now() - DAY);
    await model.db.snapshots.record(
      finance,
      tenant,
      [person('a', 'STANDARD'), person('b', 'STANDARD')],
      start,
    );
    await model.db.connections.upsert({ namespace: 'unwatched', name: 'acme' });
    const review = await model.db.reviews.create(
      {
        connection: finance,
        tenantId: tenant.tenantId,
        title: 'Q4',
        createdBy: 'alice',
        dueAt: new Date(start.getTime() + 2 * DAY),
      },
      start,
    );
    const decision = await model.db.reviews.decide(review.id, 'b', {
      decision: 'revoke',
      by: 'bob',
      reviewerEmail: 'bob@corp.test',
    });
    const decidedAt = decision.decidedAt!.getTime();
    let scrapeAt = decidedAt + 3 * MINUTE;
    const { reviews, exported } = exporter(() => scrapeAt);
    const series = (open: number, oldestSeconds: number, overdue: number) => [
      `xao_review_remediations_open{namespace="finance",name="acme"} ${open}`,
      `xao_review_remediation_oldest_seconds{namespace="finance",name="acme"} ${oldestSeconds}`,
      `xao_reviews_overdue{namespace="finance",name="acme"} ${overdue}`,
    ];

    // A later snapshot in which b still has access: not carried out.
    await model.db.snapshots.record(
      finance,
      tenant,
      [person('a', 'STANDARD'), person('b', 'STANDARD')],
      new Date(decidedAt + MINUTE),
    );
    expect(await reviews.refreshNow(new Date(decidedAt + 2 * MINUTE))).toHaveLength(1);
    expect(await exported()).toEqual(series(1, 180, 0));
    // The age grows between refreshes.
    scrapeAt += 15 * DAY;
    expect(await exported()).toEqual(series(1, 180 + 15 * 86_400, 0));
    // Past the review's dueAt, still open.
    await reviews.refreshNow(new Date(start.getTime() + 3 * DAY));
    expect(await exported()).toEqual(series(1, 180 + 15 * 86_400, 1));

    await model.db.snapshots.record(
      finance,
      tenant,
      [person('a', 'STANDARD'), person('b', 'REMOVED')],
      new Date(decidedAt + 5 * MINUTE),
    );
    await reviews.refreshNow(new Date(decidedAt + 6 * MINUTE));
    expect(await exported()).toEqual(series(0, 0, 0));
  });

  it('exports nothing on a standby', async () => {
    const { reviews, exported } = exporter(() => Date.now(), false);
    expect(await reviews.refreshNow()).toBeUndefined();
    expect(await exported()).toEqual([]);
  });
});
