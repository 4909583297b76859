import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at } from '../test/fixtures.js';
import { addAuditEntry } from './audit.js';
import { SUBJECT_EXPORT_PAGE } from './subject-export.js';

const admin = { actor: 'token:dpo', actorRole: 'admin' };
const west = { namespace: 'finance', name: 'west' };
const east = { namespace: 'finance', name: 'east' };
const ann = (role: string) => ({
  userId: 'U-ANN',
  email: 'Ann@Acme.test',
  firstName: 'Ann',
  lastName: 'Lee',
  organisationRole: role,
});
const bob = { userId: 'u-bob', email: 'bob@acme.test', organisationRole: 'STANDARD' };

describe.each(testDrivers)('subject export and erasure on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;

  async function exportedText(staffId: string) {
    const found = await db().subjects.export(staffId);
    let text = '';
    for await (const piece of found!.text()) text += piece;
    return text;
  }
  const exported = async (staffId: string) => JSON.parse(await exportedText(staffId));

  /** Every review row (the ones an erasure may rewrite), by table and id, as stored. */
  async function reviewRows(): Promise<Map<string, string>> {
    const connection = t.model.orm.em.fork().getConnection();
    const rows = new Map<string, string>();
    for (const table of ['review_decision', 'review_decision_event', 'access_review']) {
      const found = (await connection.execute(`select * from ${table}`)) as { id: string }[];
      for (const row of found) rows.set(`${table} ${row.id}`, JSON.stringify(row));
    }
    return rows;
  }
  const changedRows = (before: Map<string, string>, after: Map<string, string>) =>
    [...after].filter(([key, row]) => before.get(key) !== row).map(([key]) => key);
  const deleted = async (email: string, name: string) => {
    const member = await db().staff.create({ email, name });
    await db().staff.markDeleted(member.id, admin);
    return member;
  };

  it('ties Xero users by link and by email in the newest snapshot of every tenant, with their role there', async () => {
    // Both tenants list the same users: one content row, read once, two appearances.
    for (const c of [west, east]) {
      await db().snapshots.record(
        c,
        { tenantId: 't1', tenantName: 'T1' },
        [ann('STANDARD'), bob],
        at('2026-11-01T00:00:00Z'),
      );
    }
    await db().snapshots.record(
      west,
      { tenantId: 't1', tenantName: 'T1' },
      [ann('REMOVED'), bob],
      at('2026-11-02T00:00:00Z'),
    );
    const member = await deleted('ann@acme.test', 'Ann Lee');
    await db().links.link('u-ann-old', { staffId: member.id }, admin);

    const body = await exported(member.id);
    expect(body.xeroUsers).toEqual([
      {
        userId: 'u-ann',
        tiedBy: ['email'],
        appearances: expect.arrayContaining([
          expect.objectContaining({ connection: west, sequence: 2, organisationRole: 'REMOVED' }),
          expect.objectContaining({
            connection: east,
            sequence: 1,
            organisationRole: 'STANDARD',
            connected: true,
          }),
        ]),
      },
      { userId: 'u-ann-old', tiedBy: ['link'], appearances: [] },
    ]);
    expect(body.xeroUsers[0].appearances).toHaveLength(2);
    expect(body.emailTies).toEqual({ used: true, otherMembers: 0, leftOut: [], reason: null });
    expect(body.complete).toBe(true);

    await expect(db().subjects.erase(member.id, admin)).rejects.toThrow(
      new ConflictError(
        `staff member ${member.id} cannot be erased: Xero user u-ann (tied by email) has role ` +
          'STANDARD in the newest snapshot (1) of tenant t1 of finance/east; remove the access in ' +
          'Xero and let a sync record it first (the access check needs to know whose it is until then)',
      ),
    );
    await db().snapshots.record(
      east,
      { tenantId: 't1', tenantName: 'T1' },
      [ann('REMOVED'), bob],
      at('2026-11-02T00:00:00Z'),
    );
    expect((await db().subjects.erase(member.id, admin)).erased).toMatchObject({
      xeroUserIds: ['u-ann', 'u-ann-old'],
    });
    expect(await db().staff.get(member.id)).toMatchObject({
      email: `erased-${member.id}@erased.invalid`,
      name: '[erased]',
    });
  });

  it("pages the audit log: every entry the person made, across pages, and no one else's", async () => {
    const member = await db().staff.create({ email: 'cy@acme.test', name: 'Cy' });
    const em = t.model.orm.em.fork();
    const many = SUBJECT_EXPORT_PAGE * 2 + 7;
    for (let i = 0; i < many; i++)
      addAuditEntry(
        em,
        { actor: 'oidc:CY@acme.test', action: 'x', resourceType: 'y' },
        at('2026-11-03T00:00:00Z'),
      );
    for (let i = 0; i < 3; i++)
      addAuditEntry(
        em,
        { actor: 'oidc:dee@acme.test', action: 'x', resourceType: 'y' },
        at('2026-11-03T00:00:00Z'),
      );
    await em.flush();

    const body = await exported(member.id);
    expect(body.auditLog).toHaveLength(many);
    expect(new Set(body.auditLog.map((e: { id: string }) => e.id)).size).toBe(many);
    expect(body.auditLog.every((e: { actor: string }) => e.actor === 'oidc:CY@acme.test')).toBe(
      true,
    );
  });

  it('refuses to erase a member the identity provider has not deleted: it would write them back', async () => {
    const member = await db().staff.create({
      email: 'eve@acme.test',
      name: 'Eve',
      offboardedAt: at('2026-11-01T00:00:00Z'),
    });
    await expect(db().subjects.erase(member.id, admin)).rejects.toThrow(
      new ConflictError(
        `staff member ${member.id} cannot be erased: they are not deleted (status offboarded, ` +
          "offboarded 2026-11-01T00:00:00.000Z, no deletedAt), so the identity provider's next " +
          'SCIM PUT or PATCH of them, or a POST of them again, would bring their name and email ' +
          `back; deprovision them first (SCIM DELETE /scim/v2/Users/${member.id}, which the ` +
          'identity provider sends when the person is removed there; for a member no identity ' +
          'provider manages, send it with a scim token), then erase',
      ),
    );
    expect(await db().staff.get(member.id)).toMatchObject({ email: 'eve@acme.test', name: 'Eve' });
    await db().staff.markDeleted(member.id, admin);
    expect((await db().subjects.erase(member.id, admin)).erased).toMatchObject({
      staffId: member.id,
    });
    expect(await db().staff.get(member.id)).toMatchObject({ name: '[erased]' });
  });

  it('does not refuse for access in a tenant no sync records again: deleted, or disconnected', async () => {
    const tenant = (tenantId: string) => ({ tenantId, tenantName: tenantId });
    const west = { namespace: 'gone', name: 'west' };
    const east = { namespace: 'gone', name: 'east' };
    const zoe = (role: string) => ({
      userId: 'u-zoe',
      email: 'Zoe@acme.test',
      organisationRole: role,
    });
    await db().snapshots.record(west, tenant('t1'), [zoe('STANDARD')], at('2026-11-01T00:00:00Z'));
    await db().snapshots.record(east, tenant('t1'), [zoe('ADMIN')], at('2026-11-01T00:00:00Z'));
    await db().snapshots.record(east, tenant('t2'), [bob], at('2026-11-01T00:00:00Z'));
    const member = await deleted('zoe@acme.test', 'Zoe');
    await expect(db().subjects.erase(member.id, admin)).rejects.toThrow(
      /Xero user u-zoe \(tied by email\) has role/,
    );

    await db().connections.markDeleted(west);
    await expect(db().subjects.erase(member.id, admin)).rejects.toThrow(
      /role ADMIN .* gone\/east;/,
    );
    // A later sync of east reports its tenants without t1: Xero disconnected it.
    await db().connections.upsert(east, {
      tenants: [{ tenantId: 't2', tenantName: 't2', connectionId: null }],
      lastSyncAt: at('2026-11-02T00:00:00Z'),
    });

    const body = await exported(member.id);
    expect(
      body.xeroUsers[0].appearances.map(
        (a: { connection: { name: string }; connected: boolean }) => [
          a.connection.name,
          a.connected,
        ],
      ),
    ).toEqual(
      expect.arrayContaining([
        ['west', false],
        ['east', false],
      ]),
    );
    expect((await db().subjects.erase(member.id, admin)).erased).toMatchObject({
      xeroUserIds: ['u-zoe'],
    });
  });

  it('exports every review row the erasure then rewrites', async () => {
    const west = { namespace: 'rows', name: 'west' };
    const ivyToo = { userId: 'u-ivy-2', email: 'IVY@acme.test', organisationRole: 'STANDARD' };
    const t1 = { tenantId: 't1', tenantName: 'T1' };
    await db().snapshots.record(west, t1, [ivyToo, bob], at('2026-11-01T00:00:00Z'));
    const review = await db().reviews.create({
      connection: west,
      tenantId: 't1',
      title: 'Q4',
      createdBy: 'oidc:Ivy@Acme.test',
    });
    const decide = (userId: string, decision: 'keep' | 'revoke', by: string, email: string) =>
      db().reviews.decide(review.id, userId, { decision, by, reviewerEmail: email });
    await decide('u-bob', 'revoke', 'oidc:IVY@acme.test', 'ivy@acme.test');
    await decide('u-bob', 'keep', 'oidc:ivy@acme.test', 'ivy@acme.test');
    await decide('u-ivy-2', 'keep', 'token:dpo', 'dpo@acme.test');
    await db().reviews.complete(review.id, 'oidc:ivy@ACME.test');
    // u-ivy-2 is gone from the newest snapshot: its review item is Ivy's by its email alone.
    await db().snapshots.record(west, t1, [bob], at('2026-11-02T00:00:00Z'));
    const member = await deleted('ivy@acme.test', 'Ivy');

    const body = await exported(member.id);
    const before = await reviewRows();
    const { erased: result } = await db().subjects.erase(member.id, admin);
    const changed = changedRows(before, await reviewRows());

    expect(result).toMatchObject({
      xeroUserIds: [],
      reviewDecisionsAbout: 1,
      reviewDecisionsDecided: 1,
      reviewDecisionEvents: 2,
      accessReviews: 2,
    });
    expect(changed).toHaveLength(5); // two items, two events, one campaign
    const exportedIds = new Set(
      [
        ...body.reviewDecisions,
        ...body.reviewDecisionHistory,
        ...body.reviewDecisionsMade,
        ...body.reviewDecisionEventsMade,
        ...body.accessReviews,
      ].map((row: { id: string }) => row.id),
    );
    expect(changed.filter((key) => !exportedIds.has(key.split(' ')[1]!))).toEqual([]);
    expect(body.accessReviews.map((r: { id: string }) => r.id)).toEqual([review.id]);
  });

  it("keeps a leaver's email from tying them to the new hire given it, in the export and the erasure", async () => {
    const leaver = await deleted('sam@acme.test', 'Sam Old');
    await db().links.link('u-sam-old', { staffId: leaver.id }, admin);
    const hire = await db().staff.create({ email: 'Sam@acme.test', name: 'Sam New' });
    const west = { namespace: 'shared', name: 'west' };
    const samNew = { userId: 'u-sam-new', email: 'sam@ACME.test', organisationRole: 'STANDARD' };
    const t1 = { tenantId: 't1', tenantName: 'T1' };
    await db().snapshots.record(west, t1, [samNew, bob], at('2026-11-01T00:00:00Z'));
    // The new hire's rows: a campaign, decisions about them and by them, a token, audit entries.
    const review = await db().reviews.create({
      connection: west,
      tenantId: 't1',
      title: 'Q4',
      createdBy: 'oidc:sam@acme.test',
    });
    await db().reviews.decide(review.id, 'u-bob', {
      decision: 'keep',
      by: 'oidc:Sam@acme.test',
      reviewerEmail: 'sam@acme.test',
    });
    await db().reviews.decide(review.id, 'u-sam-new', {
      decision: 'keep',
      by: 'token:dpo',
      reviewerEmail: 'dpo@acme.test',
    });
    await db().reviews.complete(review.id, 'oidc:sam@acme.test');
    await db().tokens.create({ name: 'sam-laptop', role: 'reviewer', ownerEmail: 'sam@acme.test' });
    const em = t.model.orm.em.fork();
    addAuditEntry(em, { actor: 'oidc:Sam@acme.test', action: 'x', resourceType: 'y' }, new Date());
    addAuditEntry(em, { actor: 'token:sam-laptop', action: 'x', resourceType: 'y' }, new Date());
    await em.flush();

    const text = await exportedText(leaver.id);
    const body = JSON.parse(text);
    expect(body.emailTies).toMatchObject({ used: false, otherMembers: 1 });
    expect(body.emailTies.leftOut.length).toBeGreaterThan(0);
    expect(body.emailTies.reason).toMatch(/1 other staff member \(live or deleted\) hold/);
    expect(body.xeroUsers).toEqual([{ userId: 'u-sam-old', tiedBy: ['link'], appearances: [] }]);
    for (const member of [
      'apiTokens',
      'reviewDecisions',
      'reviewDecisionHistory',
      'reviewDecisionsMade',
      'reviewDecisionEventsMade',
      'accessReviews',
    ])
      expect([member, body[member]]).toEqual([member, []]);
    expect(body.auditLog.map((e: { actor: string }) => e.actor)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/sam/i)]),
    );
    for (const hers of [hire.id, 'u-sam-new', 'sam-laptop', review.id])
      expect(text).not.toContain(hers);
    // The new hire's own export leaves the email ties out too: the leaver held the address.
    expect((await exported(hire.id)).emailTies).toMatchObject({ used: false, otherMembers: 1 });

    const before = await reviewRows();
    const { erased: result } = await db().subjects.erase(leaver.id, admin);
    expect(changedRows(before, await reviewRows())).toEqual([]);
    expect(result).toMatchObject({
      xeroUserIds: ['u-sam-old'],
      reviewDecisionsAbout: 0,
      reviewDecisionsDecided: 0,
      reviewDecisionEvents: 0,
      accessReviews: 0,
      emailTies: { used: false, otherMembers: 1 },
    });
    expect(await db().staff.get(hire.id)).toMatchObject({
      email: 'sam@acme.test',
      name: 'Sam New',
    });
  });
});
