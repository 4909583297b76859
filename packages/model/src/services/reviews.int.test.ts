import { describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, ValidationError } from '../errors.js';
import { ReviewAlreadyOpenError } from './review-open.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { databaseWithClock, ManualClock } from '../test/manual-clock.js';
import { readReport } from '../test/review-report.js';
import { canonicalJson } from '../hashing/canonical-json.js';
import { sha256Hex } from '../hashing/snapshot-hash.js';
import type { Database } from './database.js';
import { encodeCursor } from './pagination.js';
import { acme, at, tenant, users } from '../test/fixtures.js';

/** A reviewer whose credential names a person, so separation of duties can be checked. */
const asPerson = (name: string) => ({ by: name, reviewerEmail: `${name}@corp.test` });

/** As it travels in JSON: dates as ISO strings. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe.each(testDrivers)('access reviews on $dialect', (driver) => {
  const t = useTestModel(driver);
  const clock = new ManualClock(at('2026-11-01T00:00:00Z'));
  let clocked: Database | undefined;
  const db = () => (clocked ??= databaseWithClock(t.model, clock));

  it('cannot start before the tenant has a snapshot: bad input naming tenantId', async () => {
    await db().connections.upsert(acme);
    const refused = db().reviews.create({
      connection: acme,
      tenantId: tenant.tenantId,
      title: 'Q4',
      createdBy: 'alice',
    });
    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toMatchObject({
      field: 'tenantId',
      message: expect.stringMatching(/^tenantId: tenant .* of finance\/acme has no snapshot yet: /),
    });
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
      ...asPerson('bob'),
    });
    await db().reviews.decide(review.id, 'b', {
      decision: 'revoke',
      comment: 'left the team',
      ...asPerson('bob'),
    });
    await expect(db().reviews.complete(review.id, 'bob')).rejects.toThrow(/1 undecided/);
    await db().reviews.decide(review.id, 'c', { decision: 'keep', ...asPerson('bob') });
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

    clock.set(at('2026-11-02T00:00:00Z'));
    const done = await db().reviews.complete(review.id, 'bob');
    expect(done).toMatchObject({
      status: 'completed',
      completedBy: 'bob',
      completedAt: at('2026-11-02T00:00:00Z'),
    });
    await expect(
      db().reviews.decide(review.id, 'c', { decision: 'revoke', ...asPerson('bob') }),
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
      (await db().reviews.list({ connection: acme, status: 'completed' })).items.map((r) => r.id),
    ).toEqual([review.id]);
    const report = await readReport(db(), review.id);
    expect(report).toMatchObject({
      kind: 'xero-access-review-report',
      review: { id: review.id, status: 'completed', progress: { total: 3, remediated: 2 } },
      snapshot: {
        id: s1.id,
        connection: acme,
        tenantId: tenant.tenantId,
        sequence: 1,
        contentHash: s1.contentHash,
        chainHash: s1.chainHash,
      },
      openRemediations: [],
    });
    // The digest: over the canonical JSON of the report without generatedAt and itself, so it
    // depends on the review's state, not on when the report was made.
    const { sha256: digest, generatedAt, ...content } = report!;
    expect(digest).toBe(sha256Hex(canonicalJson(content)));
    const later = await readReport(db(), review.id, at('2026-12-01T00:00:00Z'));
    expect(later?.generatedAt).toBe('2026-12-01T00:00:00.000Z');
    expect(later?.generatedAt).not.toBe(generatedAt);
    expect(later?.sha256).toBe(digest);
    expect(report?.review.progress).toEqual(asJson((await db().reviews.get(review.id))?.progress));
    expect(report?.decisions).toEqual(asJson(await db().reviews.decisions(review.id)));
    expect(report?.decisions.map((d) => [d.userId, d.decision, d.comment])).toEqual([
      ['a', 'change-role', 'no admin needed'],
      ['b', 'revoke', 'left the team'],
      ['c', 'keep', null],
    ]);
    expect(await db().reviews.exportReport('00000000-0000-7000-8000-000000000000')).toBeNull();
  });

  it('validates decisions, naming the field', async () => {
    const review = await db().reviews.create({
      connection: acme,
      tenantId: tenant.tenantId,
      title: 'again',
      createdBy: 'alice',
    });
    await expect(
      db().reviews.decide(review.id, 'a', { decision: 'change-role', ...asPerson('bob') }),
    ).rejects.toThrow(/^newRole: /);
    await expect(
      db().reviews.decide(review.id, 'a', {
        decision: 'keep',
        newRole: 'ADMIN',
        ...asPerson('bob'),
      }),
    ).rejects.toThrow(/^newRole: /);
    await expect(
      db().reviews.decide(review.id, 'a', { decision: 'delete' as 'keep', ...asPerson('bob') }),
    ).rejects.toThrow(/^decision: /);
    // 'a' is STANDARD in the reviewed snapshot: nothing would change, yet the next sync would
    // confirm it.
    await expect(
      db().reviews.decide(review.id, 'a', {
        decision: 'change-role',
        newRole: 'STANDARD',
        ...asPerson('bob'),
      }),
    ).rejects.toThrow(/^newRole: is the role the user holds already \(STANDARD\)/);
    expect((await db().reviews.decisions(review.id)).find((i) => i.userId === 'a')).toMatchObject({
      organisationRole: 'STANDARD',
      decision: null,
    });
    await expect(
      db().reviews.decide(review.id, 'a', {
        decision: 'keep',
        by: '',
        reviewerEmail: 'x@corp.test',
      }),
    ).rejects.toThrow(/^by: /);
    await expect(
      db().reviews.decide(review.id, 'nobody', { decision: 'keep', ...asPerson('bob') }),
    ).rejects.toThrow(/review item nobody not found/);
  });

  describe('on a second connection', () => {
    const beta = { namespace: 'finance', name: 'beta' };
    const betaTenant = { tenantId: '22222222-2222-4222-8222-222222222222', tenantName: 'Beta Ltd' };
    let syncs = 0;
    /** A campaign over a new snapshot: one snapshot has one open campaign at most. */
    const start = async (title: string, createdAt?: Date) => {
      await db().snapshots.record(
        beta,
        betaTenant,
        users(['ann', 'ADMIN'], ['ben', 'STANDARD']),
        new Date(Date.parse('2026-11-10T00:00:00Z') + ++syncs * 60_000),
      );
      return db().reviews.create(
        { connection: beta, tenantId: betaTenant.tenantId, title, createdBy: 'alice' },
        createdAt,
      );
    };

    it('keeps every decision: a revoke changed to keep stays visible, with who and when', async () => {
      await db().connections.upsert(beta);
      await db().snapshots.record(
        beta,
        betaTenant,
        users(['ann', 'ADMIN'], ['ben', 'STANDARD']),
        at('2026-11-10T00:00:00Z'),
      );
      const review = await start('history');
      clock.set(at('2026-11-10T01:00:00Z'));
      await db().reviews.decide(review.id, 'ben', {
        decision: 'revoke',
        comment: 'left in October',
        ...asPerson('bob'),
      });
      clock.set(at('2026-11-10T01:30:00Z'));
      await db().reviews.decide(review.id, 'ann', {
        decision: 'change-role',
        newRole: 'STANDARD',
        ...asPerson('bob'),
      });
      // A UserID in any case is the stored (lowercase) one, as for account links.
      clock.set(at('2026-11-10T02:00:00Z'));
      const changed = await db().reviews.decide(review.id, 'BEN', {
        decision: 'keep',
        comment: 'came back as contractor',
        ...asPerson('carol'),
      });
      expect(changed).toMatchObject({ userId: 'ben', decision: 'keep', decidedBy: 'carol' });

      const ben = await db().reviews.history(review.id, 'Ben');
      expect(ben.map((e) => [e.decision, e.previousDecision, e.comment, e.decidedBy])).toEqual([
        ['revoke', null, 'left in October', 'bob'],
        ['keep', 'revoke', 'came back as contractor', 'carol'],
      ]);
      expect(ben.map((e) => e.decidedAt)).toEqual([
        at('2026-11-10T01:00:00Z'),
        at('2026-11-10T02:00:00Z'),
      ]);
      expect(ben[0]).toMatchObject({ reviewId: review.id, userId: 'ben', newRole: null });

      const all = await db().reviews.history(review.id);
      expect(all.map((e) => [e.userId, e.decision])).toEqual([
        ['ben', 'revoke'],
        ['ann', 'change-role'],
        ['ben', 'keep'],
      ]);
      expect(all[1]?.newRole).toBe('STANDARD');
      expect((await readReport(db(), review.id))?.history).toEqual(asJson(all));

      await expect(db().reviews.history(review.id, 'nobody')).rejects.toThrow(
        /review item nobody not found/,
      );
      await expect(db().reviews.history('00000000-0000-7000-8000-000000000000')).rejects.toThrow(
        /access review .* not found/,
      );
      // A refused or invalid decision leaves the history as it was.
      await expect(
        db().reviews.decide(review.id, 'ben', { decision: 'change-role', ...asPerson('bob') }),
      ).rejects.toThrow(/^newRole: /);
      expect(await db().reviews.history(review.id, 'ben')).toHaveLength(2);
    });

    it("refuses a decision on the reviewer's own access, by email or by account link", async () => {
      const review = await start('separation of duties');
      const ann = { by: 'oidc:ann@acme.test', reviewerEmail: 'ANN@Acme.Test' };
      const refused = db().reviews.decide(review.id, 'ann', { decision: 'keep', ...ann });
      await expect(refused).rejects.toThrow(ForbiddenError);
      await expect(refused).rejects.toThrow(
        'separation of duties: oidc:ann@acme.test may not decide on their own Xero access (user ann has the email ann@acme.test); another reviewer must decide',
      );
      // Ben's Xero login uses another address, but an account link ties it to Ben in the directory.
      const benStaff = await db().staff.create({ email: 'benjamin@corp.test', name: 'Ben' });
      await db().links.link('ben', { staffId: benStaff.id }, { actor: 'admin' });
      await expect(
        db().reviews.decide(review.id, 'ben', {
          decision: 'keep',
          by: 'oidc:benjamin@corp.test',
          reviewerEmail: 'Benjamin@corp.test',
        }),
      ).rejects.toThrow(
        /may not decide on their own Xero access \(user ben is linked to staff member benjamin@corp.test\)/,
      );
      expect(await db().reviews.history(review.id)).toEqual([]);

      // Each may decide on the other.
      await db().reviews.decide(review.id, 'ben', { decision: 'keep', ...ann });
      await db().reviews.decide(review.id, 'ann', {
        decision: 'keep',
        by: 'oidc:benjamin@corp.test',
        reviewerEmail: 'benjamin@corp.test',
      });
      expect((await db().reviews.history(review.id)).map((e) => e.decidedBy)).toEqual([
        'oidc:ann@acme.test',
        'oidc:benjamin@corp.test',
      ]);
      // Completing a review one decided in is not a conflict of interest.
      await expect(db().reviews.complete(review.id, 'oidc:ann@acme.test')).resolves.toMatchObject({
        status: 'completed',
      });
    });

    it('fails closed: a reviewer who cannot be tied to a person may not decide at all', async () => {
      const review = await start('separation of duties without a person');
      const shared = db().reviews.decide(review.id, 'ann', {
        decision: 'revoke',
        by: 'token:ci',
        reviewerEmail: null,
      });
      await expect(shared).rejects.toThrow(ForbiddenError);
      await expect(shared).rejects.toThrow(
        "separation of duties needs the reviewer's verified email, so that no one decides on their own Xero access; token:ci has none: it names no person; decide with a credential that carries the person's email",
      );
      // The caller says why the credential names no one and what to change; a blank email is none.
      for (const reviewerEmail of [null, '', '  ']) {
        await expect(
          db().reviews.decide(review.id, 'ben', {
            decision: 'keep',
            by: 'oidc:user-7',
            reviewerEmail,
            noReviewerEmailReason: 'its "email" claim is not verified',
          }),
        ).rejects.toThrow(
          /^separation of duties needs the reviewer's verified email, .*; oidc:user-7 has none: its "email" claim is not verified$/,
        );
      }
      // Refused for a user who is not even in the review: nothing about the review is revealed.
      await expect(
        db().reviews.decide(review.id, 'nobody', {
          decision: 'keep',
          by: 'x',
          reviewerEmail: null,
        }),
      ).rejects.toThrow(ForbiddenError);
      expect(await db().reviews.history(review.id)).toEqual([]);
      expect((await db().reviews.get(review.id))?.progress.decided).toBe(0);
      await db().reviews.decide(review.id, 'ann', { decision: 'revoke', ...asPerson('carol') });
      expect((await db().reviews.history(review.id)).map((e) => e.decidedBy)).toEqual(['carol']);
    });

    it('lists campaigns newest first, a page at a time, with an opaque cursor', async () => {
      const earlier = await start('earlier', at('2026-11-11T00:00:00Z'));
      const sameInstant = [
        await start('same instant 1', at('2026-11-12T00:00:00Z')),
        await start('same instant 2', at('2026-11-12T00:00:00Z')),
      ];
      const later = await start('later', at('2026-11-13T00:00:00Z'));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await db().reviews.list({ connection: beta }, { limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      const all = (await db().reviews.list({ connection: beta }, { limit: 500 })).items;
      expect(seen).toEqual(all.map((r) => r.id));
      expect(new Set(seen).size).toBe(seen.length);
      const ours = [
        later.id,
        ...sameInstant
          .map((r) => r.id)
          .sort()
          .reverse(),
        earlier.id,
      ];
      expect(seen.filter((id) => ours.includes(id))).toEqual(ours);

      const first = await db().reviews.list({ connection: beta }, { limit: 1 });
      expect(first.nextCursor).toEqual(expect.any(String));
      expect(
        (await db().reviews.list({ connection: beta, status: 'completed' })).items.length,
      ).toBe(1);
      expect(await db().reviews.list({ connection: { namespace: 'x', name: 'y' } })).toEqual({
        items: [],
        nextCursor: null,
      });
      await expect(db().reviews.list({}, { cursor: 'not-a-cursor' })).rejects.toThrow(/^cursor: /);
      const findingsCursor = encodeCursor('findings:firstSeenAt:desc', 0, first.items[0]!.id);
      await expect(db().reviews.list({}, { cursor: findingsCursor })).rejects.toThrow(/^cursor: /);
      await expect(db().reviews.list({}, { limit: 0 })).rejects.toThrow(/^limit: /);
      await expect(db().reviews.list({ status: 'closed' as 'open' })).rejects.toThrow(/^status: /);
    });
  });

  it('never remediates a decision with users fetched before it was made: the next snapshot does', async () => {
    const ref = { namespace: 'finance', name: 'late-decisions' };
    await db().snapshots.record(
      ref,
      tenant,
      users(['a', 'ADMIN'], ['b', 'STANDARD']),
      at('2026-11-20T00:00:00Z'),
    );
    clock.set(at('2026-11-20T01:00:00Z'));
    const review = await db().reviews.create({
      connection: ref,
      tenantId: tenant.tenantId,
      title: 'late',
      createdBy: 'alice',
    });
    clock.set(at('2026-11-20T12:00:00Z'));
    await db().reviews.decide(review.id, 'a', {
      decision: 'change-role',
      newRole: 'STANDARD',
      ...asPerson('bob'),
    });
    await db().reviews.decide(review.id, 'b', { decision: 'revoke', ...asPerson('bob') });
    const done = users(['a', 'STANDARD'], ['b', 'REMOVED']);
    const remediation = async () =>
      (await db().reviews.decisions(review.id)).map((d) => [
        d.userId,
        d.remediatedAt,
        d.remediatedSnapshotId,
      ]);

    // Users fetched at 06:00, written after the 12:00 decisions: they show both done, but
    // a remediation dated 06:00 would precede what it confirms.
    await db().snapshots.record(ref, tenant, done, at('2026-11-20T06:00:00Z'));
    expect(await remediation()).toEqual([
      ['a', null, null],
      ['b', null, null],
    ]);
    expect((await db().reviews.get(review.id))?.progress).toMatchObject({
      awaitingRemediation: 2,
      remediated: 0,
    });
    // Fetched as the decisions were made (or later): remediated.
    const next = await db().snapshots.record(ref, tenant, done, at('2026-11-20T12:00:00Z'));
    expect(await remediation()).toEqual([
      ['a', at('2026-11-20T12:00:00Z'), next.id],
      ['b', at('2026-11-20T12:00:00Z'), next.id],
    ]);
  });
});

describe.each(testDrivers)('a decision racing the completion on $dialect', (driver) => {
  const t = useTestModel(driver);

  it('lands before the review is completed, or is refused as a conflict', async () => {
    const db = t.model.db;
    await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'STANDARD'], ['b', 'STANDARD']),
      at('2026-11-01T00:00:00Z'),
    );
    // Open every pooled connection first, so the transactions really overlap.
    await Promise.all(
      Array.from({ length: 4 }, () => t.model.orm.em.getConnection().execute('select 1')),
    );
    for (let round = 0; round < 30; round++) {
      const review = await db.reviews.create({
        connection: acme,
        tenantId: tenant.tenantId,
        title: `race ${round}`,
        createdBy: 'alice',
      });
      await db.reviews.decide(review.id, 'a', { decision: 'keep', ...asPerson('bob') });
      await db.reviews.decide(review.id, 'b', { decision: 'keep', ...asPerson('bob') });
      const [decided, completed] = await Promise.allSettled([
        db.reviews.decide(review.id, 'b', { decision: 'revoke', ...asPerson('carol') }),
        db.reviews.complete(review.id, 'bob'),
      ]);
      if (completed.status === 'rejected') throw completed.reason;
      const { progress } = completed.value;
      if (decided.status === 'fulfilled') {
        expect(progress.revoke, `round ${round}: the completion counted the decision`).toBe(1);
      } else {
        expect(decided.reason).toBeInstanceOf(ConflictError);
        expect(String(decided.reason)).toMatch(/is completed$/);
        expect(progress.revoke).toBe(0);
      }
      // Nothing changed the review after it was completed.
      expect((await db.reviews.get(review.id))?.progress, `round ${round}`).toEqual(progress);
    }
  });
});

describe.each(testDrivers)('one open campaign per snapshot on $dialect', (driver) => {
  const t = useTestModel(driver);
  const input = (title: string) => ({
    connection: acme,
    tenantId: tenant.tenantId,
    title,
    createdBy: 'alice',
  });

  it('refuses a second start over the same snapshot, naming the open campaign', async () => {
    const db = t.model.db;
    const s = await db.snapshots.record(acme, tenant, users(['a', 'STANDARD']), new Date());
    const first = await db.reviews.create(input('Q4'));
    // A retry of the same request, and another person's campaign, alike.
    for (const title of ['Q4', 'another']) {
      const again = db.reviews.create(input(title));
      await expect(again).rejects.toThrow(ReviewAlreadyOpenError);
      await expect(again).rejects.toThrow(
        new RegExp(
          `^access review ${first.id} \\(started by alice at .*\\) is already open over snapshot ${s.sequence} of tenant ${tenant.tenantId} of finance/acme: continue it, or complete it`,
        ),
      );
    }
    const error = await db.reviews.create(input('Q4')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ReviewAlreadyOpenError).review).toEqual(first);
    expect((await db.reviews.list({ connection: acme })).items.map((r) => r.id)).toEqual([
      first.id,
    ]);

    // Once it is completed, or over a later snapshot, a campaign may start.
    await db.reviews.decide(first.id, 'a', { decision: 'keep', ...asPerson('bob') });
    await db.reviews.complete(first.id, 'bob');
    const second = await db.reviews.create(input('Q4 again'));
    await db.snapshots.record(acme, tenant, users(['a', 'STANDARD']), new Date());
    const third = await db.reviews.create(input('Q1'));
    expect(new Set([first.snapshotId, second.snapshotId]).size).toBe(1);
    expect(third.snapshotId).not.toBe(second.snapshotId);
  });

  it('starts one of several requests at once; the others are refused naming it', async () => {
    const db = t.model.db;
    const s = await db.snapshots.record(
      acme,
      tenant,
      users(['a', 'STANDARD'], ['b', 'ADMIN']),
      new Date(),
    );
    // Open every pooled connection first, so the transactions really overlap.
    await Promise.all(
      Array.from({ length: 4 }, () => t.model.orm.em.getConnection().execute('select 1')),
    );
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => db.reviews.create(input(`retry ${i}`))),
    );
    const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(started).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') {
        expect(r.reason).toBeInstanceOf(ReviewAlreadyOpenError);
        expect((r.reason as ReviewAlreadyOpenError).review.id).toBe(started[0]!.id);
      }
    const open = await db.reviews.list({ connection: acme, status: 'open' });
    expect(open.items.filter((r) => r.snapshotId === s.id).map((r) => r.id)).toEqual([
      started[0]!.id,
    ]);
  });
});
