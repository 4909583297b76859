import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at, tenant, users } from '../test/fixtures.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import type { Database } from './database.js';
import { OUTSTANDING_SQL } from './review-outstanding.js';

const asPerson = (name: string) => ({ by: name, reviewerEmail: `${name}@corp.test` });
const payroll = { namespace: 'payroll', name: 'xero' };
const none = { openRemediations: 0, oldestOpenRemediationAt: null, overdueReviews: 0 };

describe.each(testDrivers)('outstanding review work on $dialect', (driver) => {
  const t = useTestModel(driver);
  const clock = new ManualClock(at('2026-11-01T00:00:00Z'));
  let clocked: Database | undefined;
  const db = () => (clocked ??= databaseWithClock(t.model, clock));

  it('counts decisions to remove access until a snapshot shows them done, and open reviews past dueAt', async () => {
    await db().connections.upsert(payroll);
    await db().snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN'], ['b', 'STANDARD'], ['c', 'STANDARD']),
      at('2026-11-01T00:00:00Z'),
    );
    const review = await db().reviews.create(
      {
        connection: acme,
        tenantId: tenant.tenantId,
        title: 'Q4',
        createdBy: 'alice',
        dueAt: at('2026-11-08T00:00:00Z'),
      },
      at('2026-11-01T01:00:00Z'),
    );
    clock.set(at('2026-11-01T02:00:00Z'));
    await db().reviews.decide(review.id, 'b', { decision: 'revoke', ...asPerson('bob') });
    clock.set(at('2026-11-01T03:00:00Z'));
    await db().reviews.decide(review.id, 'a', {
      decision: 'change-role',
      newRole: 'STANDARD',
      ...asPerson('bob'),
    });
    await db().reviews.decide(review.id, 'c', { decision: 'keep', ...asPerson('bob') });
    const byKey = async (now: Date) =>
      Object.fromEntries(
        (await db().reviews.outstanding(now)).map((w) => [
          `${w.connection.namespace}/${w.connection.name}`,
          {
            openRemediations: w.openRemediations,
            oldestOpenRemediationAt: w.oldestOpenRemediationAt,
            overdueReviews: w.overdueReviews,
          },
        ]),
      );

    const decided = {
      openRemediations: 2,
      oldestOpenRemediationAt: at('2026-11-01T02:00:00Z'),
      overdueReviews: 0,
    };
    expect(await byKey(at('2026-11-02T00:00:00Z'))).toEqual({
      'finance/acme': decided,
      'payroll/xero': none,
    });

    // A later snapshot in which both still have their access: nothing was carried out.
    await db().snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN'], ['b', 'STANDARD'], ['c', 'STANDARD']),
      at('2026-11-03T00:00:00Z'),
    );
    expect(await byKey(at('2026-11-08T00:00:00Z'))).toMatchObject({ 'finance/acme': decided });
    expect(await byKey(at('2026-11-08T00:00:01Z'))).toMatchObject({
      'finance/acme': { ...decided, overdueReviews: 1 },
    });

    // b removed: the change-role (decided later) is the one left.
    await db().snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN'], ['b', 'REMOVED'], ['c', 'STANDARD']),
      at('2026-11-09T00:00:00Z'),
    );
    expect(await byKey(at('2026-11-09T00:00:00Z'))).toMatchObject({
      'finance/acme': {
        openRemediations: 1,
        oldestOpenRemediationAt: at('2026-11-01T03:00:00Z'),
        overdueReviews: 1,
      },
    });

    await db().snapshots.record(
      acme,
      tenant,
      users(['a', 'STANDARD'], ['b', 'REMOVED'], ['c', 'STANDARD']),
      at('2026-11-10T00:00:00Z'),
    );
    await db().reviews.complete(review.id, 'bob');
    expect(await byKey(at('2026-11-10T00:00:00Z'))).toEqual({
      'finance/acme': none,
      'payroll/xero': none,
    });
  });

  it('leaves out a deleted connection', async () => {
    await db().connections.markDeleted(payroll, at('2026-11-11T00:00:00Z'));
    const keys = (await db().reviews.outstanding()).map((w) => w.connection.name);
    expect(keys).toEqual(['acme']);
  });

  it('refuses to start a review whose dueAt is not in the future, naming dueAt', async () => {
    const start = (dueAt: Date) =>
      db().reviews.create(
        { connection: acme, tenantId: tenant.tenantId, title: 'late', createdBy: 'alice', dueAt },
        at('2026-12-01T00:00:00Z'),
      );
    for (const dueAt of [at('2026-11-30T00:00:00Z'), at('2026-12-01T00:00:00Z')]) {
      const refused = await start(dueAt).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ValidationError);
      expect(refused).toMatchObject({ field: 'dueAt' });
      expect((refused as Error).message).toMatch(/^dueAt: .* is not in the future/);
    }
  });
});

// Without the index each refresh reads every item of every review.
describe.each(testDrivers.filter((d) => d.dialect === 'postgresql'))(
  'the outstanding review work query on $dialect',
  (driver) => {
    const t = useTestModel(driver);

    it('reads the open remediations from their partial index', async () => {
      const plan = await t.model.orm.em.getKnex().transaction(async (trx) => {
        await trx.raw('set local enable_seqscan = off');
        const result = (await trx.raw(`explain ${OUTSTANDING_SQL}`, [new Date()])) as {
          rows: { 'QUERY PLAN': string }[];
        };
        return result.rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan).toMatch(/Index (Only )?Scan using review_decision_open_remediation_index/);
    });
  },
);
