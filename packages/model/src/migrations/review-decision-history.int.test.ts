import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../entities/connection.js';
import { ReviewDecision } from '../entities/review-decision.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { acme, at, tenant, users } from '../test/fixtures.js';
import { recordSnapshotBeforeActiveCount } from '../test/snapshot-before-active-count.js';

const BEFORE_HISTORY = 'Migration20261206193351_staff_deleted_at';

describe.each(testDrivers)('the review decision history migration on $dialect', (driver) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await driver.create({ migrate: false });
  });
  afterAll(async () => t?.dispose());

  it('starts the history of decisions made before it with the decision as it stood', async () => {
    await t.model.orm.getMigrator().up({ to: BEFORE_HISTORY });
    const db = t.model.db;
    await db.connections.upsert(acme);
    const em = t.model.orm.em.fork();
    await recordSnapshotBeforeActiveCount(
      em,
      await em.findOneOrFail(Connection, acme),
      tenant,
      null,
      users(['a', 'ADMIN'], ['b', 'STANDARD']),
      at('2026-11-01T00:00:00Z'),
    );
    const review = await db.reviews.create({
      connection: acme,
      tenantId: tenant.tenantId,
      title: 'decided before the upgrade',
      createdBy: 'alice',
    });
    // As the earlier version wrote a decision: on the item only.
    await t.model.orm.em.fork().nativeUpdate(
      ReviewDecision,
      { review: review.id, userId: 'a' },
      {
        decision: 'change-role',
        newRole: 'STANDARD',
        comment: 'too much access',
        decidedBy: 'bob',
        decidedAt: at('2026-11-02T00:00:00Z'),
      },
    );

    await t.model.migrateUp();

    const history = await db.reviews.history(review.id);
    expect(history).toEqual([
      {
        id: expect.any(String),
        reviewId: review.id,
        userId: 'a',
        decision: 'change-role',
        newRole: 'STANDARD',
        comment: 'too much access',
        decidedBy: 'bob',
        decidedAt: at('2026-11-02T00:00:00Z'),
        previousDecision: null,
      },
    ]);
    await db.reviews.decide(review.id, 'a', {
      decision: 'keep',
      by: 'carol',
      reviewerEmail: 'carol@corp.test',
    });
    expect((await db.reviews.history(review.id, 'a')).map((e) => e.previousDecision)).toEqual([
      null,
      'change-role',
    ]);
  });
});
