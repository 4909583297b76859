import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at, tenant, users } from '../test/fixtures.js';

describe.each(testDrivers)('access reviews on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;

  it('cannot start before the tenant has a snapshot', async () => {
    await db().connections.upsert(acme);
    await expect(
      db().reviews.create({
        connection: acme,
        tenantId: tenant.tenantId,
        title: 'Q4',
        createdBy: 'alice',
      }),
    ).rejects.toThrow(ConflictError);
  });

  it('runs a campaign: items from the latest snapshot, decisions, progress, completion, remediation by a later snapshot', async () => {
    const s1 = await db().snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN'], ['b', 'STANDARD'], ['c', 'STANDARD'], ['gone', 'REMOVED']),
      at('2026-11-01T00:00:00Z'),
    );
    const review = await db().reviews.create(
      {
        connection: acme,
        tenantId: tenant.tenantId,
        title: 'Q4 2026 Xero access',
        createdBy: 'alice',
        dueAt: at('2026-12-01T00:00:00Z'),
      },
      at('2026-11-01T01:00:00Z'),
    );
    expect(review).toMatchObject({
      snapshotId: s1.id,
      status: 'open',
      title: 'Q4 2026 Xero access',
    });
    const items = await db().reviews.decisions(review.id);
    expect(items.map((i) => [i.userId, i.organisationRole, i.name])).toEqual([
      ['a', 'ADMIN', 'A Tester'],
      ['b', 'STANDARD', 'B Tester'],
      ['c', 'STANDARD', 'C Tester'],
    ]);

    await db().reviews.decide(review.id, 'a', {
      decision: 'change-role',
      newRole: 'STANDARD',
      comment: 'no admin needed',
      by: 'bob',
    });
    await db().reviews.decide(review.id, 'b', {
      decision: 'revoke',
      comment: 'left the team',
      by: 'bob',
    });
    await expect(db().reviews.complete(review.id, 'bob')).rejects.toThrow(/1 undecided/);
    await db().reviews.decide(review.id, 'c', { decision: 'keep', by: 'bob' });
    expect((await db().reviews.get(review.id))?.progress).toEqual({
      total: 3,
      decided: 3,
      undecided: 0,
      keep: 1,
      revoke: 1,
      changeRole: 1,
      awaitingRemediation: 2,
      remediated: 0,
    });

    const done = await db().reviews.complete(review.id, 'bob', at('2026-11-02T00:00:00Z'));
    expect(done).toMatchObject({
      status: 'completed',
      completedBy: 'bob',
      completedAt: at('2026-11-02T00:00:00Z'),
    });
    await expect(
      db().reviews.decide(review.id, 'c', { decision: 'revoke', by: 'bob' }),
    ).rejects.toThrow(ConflictError);

    // Next sync: b removed, a still ADMIN → only the revoke is remediated.
    const s2 = await db().snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN'], ['b', 'REMOVED'], ['c', 'STANDARD']),
      at('2026-11-03T00:00:00Z'),
    );
    let after = await db().reviews.decisions(review.id);
    expect(after.find((i) => i.userId === 'b')).toMatchObject({
      remediatedAt: at('2026-11-03T00:00:00Z'),
      remediatedSnapshotId: s2.id,
    });
    expect(after.find((i) => i.userId === 'a')?.remediatedAt).toBeNull();

    await db().snapshots.record(
      acme,
      tenant,
      users(['a', 'STANDARD'], ['c', 'STANDARD']),
      at('2026-11-04T00:00:00Z'),
    );
    after = await db().reviews.decisions(review.id);
    expect(after.find((i) => i.userId === 'a')?.remediatedAt).toEqual(at('2026-11-04T00:00:00Z'));
    expect((await db().reviews.get(review.id))?.progress).toMatchObject({
      awaitingRemediation: 0,
      remediated: 2,
    });
    expect(
      (await db().reviews.list({ connection: acme, status: 'completed' })).map((r) => r.id),
    ).toEqual([review.id]);
    const report = await db().reviews.report(review.id);
    expect(report).toMatchObject({
      review: { id: review.id, status: 'completed', progress: { total: 3, remediated: 2 } },
      connection: acme,
      snapshot: { id: s1.id, sequence: 1, contentHash: s1.contentHash, chainHash: s1.chainHash },
    });
    expect(report?.decisions.map((d) => [d.userId, d.decision, d.comment])).toEqual([
      ['a', 'change-role', 'no admin needed'],
      ['b', 'revoke', 'left the team'],
      ['c', 'keep', null],
    ]);
    expect(await db().reviews.report('00000000-0000-7000-8000-000000000000')).toBeNull();
  });

  it('validates decisions, naming the field', async () => {
    const review = await db().reviews.create({
      connection: acme,
      tenantId: tenant.tenantId,
      title: 'again',
      createdBy: 'alice',
    });
    await expect(
      db().reviews.decide(review.id, 'a', { decision: 'change-role', by: 'bob' }),
    ).rejects.toThrow(/^newRole: /);
    await expect(
      db().reviews.decide(review.id, 'a', { decision: 'keep', newRole: 'ADMIN', by: 'bob' }),
    ).rejects.toThrow(/^newRole: /);
    await expect(
      db().reviews.decide(review.id, 'a', { decision: 'delete' as 'keep', by: 'bob' }),
    ).rejects.toThrow(/^decision: /);
    await expect(db().reviews.decide(review.id, 'a', { decision: 'keep', by: '' })).rejects.toThrow(
      /^by: /,
    );
    await expect(
      db().reviews.decide(review.id, 'nobody', { decision: 'keep', by: 'bob' }),
    ).rejects.toThrow(/review item nobody not found/);
  });
});
