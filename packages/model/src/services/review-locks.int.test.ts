import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at, tenant, users } from '../test/fixtures.js';
import { untilWaitingForLocks } from '../test/lock-waits.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';

/** A reviewer whose credential names a person, so separation of duties can be checked. */
const asPerson = (name: string) => ({ by: name, reviewerEmail: `${name}@corp.test` });

/**
 * Review writes that wait for another transaction's locks (PostgreSQL: SQLite runs one
 * transaction at a time). A second session, `holder`, takes the locks and lets go on cue.
 */
describe.each(testDrivers.filter((d) => d.dialect === 'postgresql'))(
  'review writes waiting for locks on $dialect',
  (driver) => {
    const t = useTestModel(driver);
    let holder: pg.Client;
    beforeAll(async () => {
      holder = new pg.Client({ connectionString: t.url });
      await holder.connect();
    });
    afterAll(async () => holder?.end());

    const untilWaiting = (n: number) => untilWaitingForLocks(holder, n);

    it('a sync leaves a decision a reviewer changed while it ran as the reviewer made it', async () => {
      // The decisions are made before the syncs take their users, so only the race decides.
      const db = databaseWithClock(t.model, new ManualClock(at('2026-12-01T00:30:00Z')));
      const ref = { namespace: 'finance', name: 'remediation-race' };
      await db.snapshots.record(
        ref,
        tenant,
        users(['u1', 'STANDARD'], ['u2', 'FINANCIALADVISER']),
        at('2026-12-01T00:00:00Z'),
      );
      const review = await db.reviews.create({
        connection: ref,
        tenantId: tenant.tenantId,
        title: 'race',
        createdBy: 'alice',
      });
      await db.reviews.decide(review.id, 'u1', {
        decision: 'change-role',
        newRole: 'FINANCIALADVISER',
        ...asPerson('alice'),
      });

      // Bob changes the decision to READONLY; his transaction has locked the review and the item
      // and is held before it commits (its history insert waits for the holder's table lock).
      await holder.query('begin');
      await holder.query('lock table review_decision_event in share mode');
      const changing = db.reviews.decide(review.id, 'u1', {
        decision: 'change-role',
        newRole: 'READONLY',
        ...asPerson('bob'),
      });
      await untilWaiting(1);
      // Meanwhile a sync records u1 as FINANCIALADVISER: Alice's role, no longer the decision.
      const recording = db.snapshots.record(
        ref,
        tenant,
        users(['u1', 'FINANCIALADVISER'], ['u2', 'FINANCIALADVISER']),
        at('2026-12-01T01:00:00Z'),
      );
      await untilWaiting(2);
      await holder.query('commit');
      await changing;
      await recording;

      const item = async () =>
        (await db.reviews.decisions(review.id)).find((d) => d.userId === 'u1');
      expect(await item()).toMatchObject({
        decision: 'change-role',
        newRole: 'READONLY',
        decidedBy: 'bob',
        remediatedAt: null,
        remediatedSnapshotId: null,
      });
      expect((await db.reviews.get(review.id))?.progress).toMatchObject({
        awaitingRemediation: 1,
        remediated: 0,
      });
      // The snapshot that shows the role Bob decided on remediates it.
      const done = await db.snapshots.record(
        ref,
        tenant,
        users(['u1', 'READONLY'], ['u2', 'FINANCIALADVISER']),
        at('2026-12-01T02:00:00Z'),
      );
      expect(await item()).toMatchObject({
        remediatedAt: at('2026-12-01T02:00:00Z'),
        remediatedSnapshotId: done.id,
      });
    });

    it('a sync leaves a decision made after its users were taken for the next snapshot, even one it waited for', async () => {
      const clock = new ManualClock(at('2026-12-03T00:30:00Z'));
      const db = databaseWithClock(t.model, clock);
      const ref = { namespace: 'finance', name: 'remediation-late-change' };
      await db.snapshots.record(ref, tenant, users(['u1', 'STANDARD']), at('2026-12-03T00:00:00Z'));
      const review = await db.reviews.create({
        connection: ref,
        tenantId: tenant.tenantId,
        title: 'late change',
        createdBy: 'alice',
      });
      await db.reviews.decide(review.id, 'u1', { decision: 'revoke', ...asPerson('alice') });

      // At 01:30 Bob changes the revoke to a change-role, held before it commits.
      clock.set(at('2026-12-03T01:30:00Z'));
      await holder.query('begin');
      await holder.query('lock table review_decision_event in share mode');
      const changing = db.reviews.decide(review.id, 'u1', {
        decision: 'change-role',
        newRole: 'READONLY',
        ...asPerson('bob'),
      });
      await untilWaiting(1);
      // A sync whose users were taken at 01:00 shows u1 gone: Alice's revoke, when it read it.
      const recording = db.snapshots.record(ref, tenant, [], at('2026-12-03T01:00:00Z'));
      await untilWaiting(2);
      await holder.query('commit');
      await changing;
      await recording;

      expect((await db.reviews.decisions(review.id))[0]).toMatchObject({
        decision: 'change-role',
        decidedAt: at('2026-12-03T01:30:00Z'),
        remediatedAt: null,
        remediatedSnapshotId: null,
      });
      const next = await db.snapshots.record(ref, tenant, [], at('2026-12-03T02:00:00Z'));
      expect((await db.reviews.decisions(review.id))[0]).toMatchObject({
        remediatedAt: at('2026-12-03T02:00:00Z'),
        remediatedSnapshotId: next.id,
      });
    });

    /**
     * A review of one user on a clock the test sets, and `whileHeld(call, until)`: runs `call`
     * while another decision (or the completion) holds the review, letting go once the clock
     * shows `until`.
     */
    const reviewOnClock = async (name: string) => {
      const clock = new ManualClock(at('2026-12-02T10:00:00Z'));
      const db = databaseWithClock(t.model, clock);
      const ref = { namespace: 'finance', name };
      await db.snapshots.record(ref, tenant, users(['a', 'STANDARD']), at('2026-12-02T09:00:00Z'));
      const review = await db.reviews.create({
        connection: ref,
        tenantId: tenant.tenantId,
        title: name,
        createdBy: 'alice',
      });
      const whileHeld = async <T>(call: () => Promise<T>, until: string): Promise<T> => {
        await holder.query('begin');
        await holder.query('select id from access_review where id = $1 for update', [review.id]);
        const pending = call();
        await untilWaiting(1);
        clock.set(at(until));
        await holder.query('commit');
        return pending;
      };
      return { db, review, whileHeld };
    };

    it('stamps a decision when the review lock is granted, not when it was asked for', async () => {
      const { db, review, whileHeld } = await reviewOnClock('decision-stamps');
      const decided = await whileHeld(
        () => db.reviews.decide(review.id, 'a', { decision: 'revoke', ...asPerson('bob') }),
        '2026-12-02T10:05:00Z',
      );
      expect(decided.decidedAt).toEqual(at('2026-12-02T10:05:00Z'));
      expect((await db.reviews.history(review.id, 'a')).map((e) => e.decidedAt)).toEqual([
        at('2026-12-02T10:05:00Z'),
      ]);
    });

    it('stamps the completion when the review lock is granted, never before the last decision', async () => {
      const { db, review, whileHeld } = await reviewOnClock('completion-stamps');
      await db.reviews.decide(review.id, 'a', { decision: 'keep', ...asPerson('bob') });
      const completed = await whileHeld(
        () => db.reviews.complete(review.id, 'carol'),
        '2026-12-02T10:10:00Z',
      );
      expect(completed.completedAt).toEqual(at('2026-12-02T10:10:00Z'));
      expect((await db.reviews.get(review.id))?.completedAt).toEqual(at('2026-12-02T10:10:00Z'));
    });
  },
);
