import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessReview } from '../entities/access-review.js';
import { ReviewDecision } from '../entities/review-decision.js';
import { newId } from '../ids.js';
import { ReviewAlreadyOpenError } from '../services/review-open.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { acme, at, tenant, users } from '../test/fixtures.js';

const BEFORE_UNIQUE = 'Migration20261207120000_finding_event_feed';

describe.each(testDrivers)('the one-open-review-per-snapshot migration on $dialect', (driver) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await driver.create({ migrate: false });
  });
  afterAll(async () => t?.dispose());

  it('keeps the duplicates an earlier version opened, marking each as one of the oldest', async () => {
    await t.model.orm.getMigrator().up({ to: BEFORE_UNIQUE });
    const db = t.model.db;
    const s = await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'STANDARD'], ['b', 'ADMIN']),
      at('2026-11-01T00:00:00Z'),
    );
    const oldest = await db.reviews.create(
      { connection: acme, tenantId: tenant.tenantId, title: 'Q4', createdBy: 'alice' },
      at('2026-11-02T00:00:00Z'),
    );
    // Retried POSTs of the earlier version: more open reviews over the same snapshot.
    const em = t.model.orm.em.fork();
    const retry = (minutes: number) => {
      const review = em.create(AccessReview, {
        id: newId(),
        connection: oldest.connectionId,
        tenantId: tenant.tenantId,
        snapshot: s.id,
        title: 'Q4',
        status: 'open',
        createdBy: 'alice',
        createdAt: new Date(Date.parse('2026-11-02T00:00:00Z') + minutes * 60_000),
      });
      for (const [userId, role] of [
        ['a', 'STANDARD'],
        ['b', 'ADMIN'],
      ] as const)
        em.create(ReviewDecision, {
          id: newId(),
          review,
          userId,
          email: `${userId}@acme.test`,
          name: null,
          organisationRole: role,
        });
      return review;
    };
    const retries = [retry(1), retry(2)];
    await em.flush();

    await t.model.migrateUp();

    const rows = await t.model.orm.em
      .getConnection()
      .execute<{ id: string; duplicate_of: string | null }[]>(
        'select id, duplicate_of from access_review',
      );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.duplicate_of]))).toEqual({
      [oldest.id]: null,
      [retries[0]!.id]: oldest.id,
      [retries[1]!.id]: oldest.id,
    });
    // The duplicates stay open and usable: their decisions are evidence.
    await db.reviews.decide(retries[1]!.id, 'a', {
      decision: 'keep',
      by: 'bob',
      reviewerEmail: 'bob@corp.test',
    });
    // No further one starts; the oldest is the one named.
    const refused = await db.reviews
      .create({ connection: acme, tenantId: tenant.tenantId, title: 'Q4', createdBy: 'alice' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ReviewAlreadyOpenError);
    expect((refused as ReviewAlreadyOpenError).review.id).toBe(oldest.id);
  });
});
