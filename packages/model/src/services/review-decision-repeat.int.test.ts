import { describe, expect, it } from 'vitest';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at, tenant, users } from '../test/fixtures.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import type { Database } from './database.js';

/** A reviewer whose credential names a person, so separation of duties can be checked. */
const asPerson = (name: string) => ({ by: name, reviewerEmail: `${name}@corp.test` });

describe.each(testDrivers)('a decision recorded again on $dialect', (driver) => {
  const t = useTestModel(driver);
  const clock = new ManualClock(at('2026-11-01T00:00:00Z'));
  let clocked: Database | undefined;
  const db = () => (clocked ??= databaseWithClock(t.model, clock));
  let reviewId: string;

  /** A review over a, b and c; b is revoked and a later snapshot shows it carried out. */
  async function remediatedRevoke(): Promise<void> {
    await db().snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN'], ['b', 'STANDARD'], ['c', 'STANDARD']),
      at('2026-11-01T00:00:00Z'),
    );
    clock.set(at('2026-11-01T01:00:00Z'));
    reviewId = (
      await db().reviews.create({
        connection: acme,
        tenantId: tenant.tenantId,
        title: 'Q4',
        createdBy: 'alice',
      })
    ).id;
    clock.set(at('2026-11-01T02:00:00Z'));
    await db().reviews.decide(reviewId, 'b', {
      decision: 'revoke',
      comment: 'left the team',
      ...asPerson('bob'),
    });
    await db().snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN'], ['c', 'STANDARD']),
      at('2026-11-02T00:00:00Z'),
    );
  }

  const item = async (userId: string) =>
    (await db().reviews.decisions(reviewId)).find((d) => d.userId === userId)!;

  it('changes nothing when the same decision is sent again after its remediation', async () => {
    await remediatedRevoke();
    const confirmed = await item('b');
    expect(confirmed).toMatchObject({
      decision: 'revoke',
      decidedAt: at('2026-11-01T02:00:00Z'),
      remediatedAt: at('2026-11-02T00:00:00Z'),
    });

    // The client's PUT timed out after it committed; it sends the same one again.
    clock.set(at('2026-11-02T01:00:00Z'));
    const retried = await db().reviews.decide(reviewId, 'b', {
      decision: 'revoke',
      comment: 'left the team',
      ...asPerson('bob'),
    });
    expect(retried).toEqual(confirmed);
    expect(await item('b')).toEqual(confirmed);
    expect((await db().reviews.get(reviewId))?.progress).toMatchObject({
      awaitingRemediation: 0,
      remediated: 1,
    });
    expect((await db().reviews.outstanding(clock.now()))[0]).toMatchObject({
      openRemediations: 0,
    });
    // No second history entry: nothing was decided.
    expect((await db().reviews.history(reviewId, 'b')).map((e) => e.decidedAt)).toEqual([
      at('2026-11-01T02:00:00Z'),
    ]);
  });

  it('records a changed comment in the history and keeps the decision and its remediation', async () => {
    clock.set(at('2026-11-02T02:00:00Z'));
    const edited = await db().reviews.decide(reviewId, 'b', {
      decision: 'revoke',
      comment: 'left the team in October',
      ...asPerson('carol'),
    });
    expect(edited).toMatchObject({
      decision: 'revoke',
      comment: 'left the team in October',
      decidedBy: 'bob',
      decidedAt: at('2026-11-01T02:00:00Z'),
      remediatedAt: at('2026-11-02T00:00:00Z'),
    });
    expect(
      (await db().reviews.history(reviewId, 'b')).map((e) => [
        e.decision,
        e.comment,
        e.decidedBy,
        e.decidedAt,
        e.previousDecision,
      ]),
    ).toEqual([
      ['revoke', 'left the team', 'bob', at('2026-11-01T02:00:00Z'), null],
      ['revoke', 'left the team in October', 'carol', at('2026-11-02T02:00:00Z'), 'revoke'],
    ]);
  });

  it('still reopens remediation when the decision itself changes', async () => {
    clock.set(at('2026-11-02T03:00:00Z'));
    await db().reviews.decide(reviewId, 'b', { decision: 'keep', ...asPerson('bob') });
    clock.set(at('2026-11-02T04:00:00Z'));
    const again = await db().reviews.decide(reviewId, 'b', {
      decision: 'revoke',
      ...asPerson('bob'),
    });
    expect(again).toMatchObject({
      decidedAt: at('2026-11-02T04:00:00Z'),
      remediatedAt: null,
      remediatedSnapshotId: null,
    });
    expect((await db().reviews.history(reviewId, 'b')).map((e) => e.decision)).toEqual([
      'revoke',
      'revoke',
      'keep',
      'revoke',
    ]);
  });
});
