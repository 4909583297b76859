import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erasureResultSchema, subjectExportSchema } from '../staff/personal-data.schemas.js';
import { CONNECTION, TENANT, USERS, seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

interface AuditItem {
  action: string;
  actor: string;
  resourceType: string;
  resourceId: string | null;
  outcome: string;
  details: Record<string, unknown> | null;
}

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

/**
 * GDPR subject access (GET /staff/{id}/export) and erasure (POST /staff/{id}/erase): Emma Brown
 * left; her Xero user u-emma is hers by email, u-emma-old by an account link. Olivia Chen is
 * someone else, whose rows must never appear in Emma's export nor change with her erasure.
 */
describe.each(DIALECTS)('personal data: export and erasure on $dialect', ({ dialect }) => {
  let h: Harness;
  let seeded: Awaited<ReturnType<typeof seedAcme>>;
  let emma: string;
  let olivia: string;
  let review: string;
  const admin = (method: string, url: string, body?: unknown) =>
    h.call(method, url, { token: h.tokens.admin, body });
  const audit = async (query: string) =>
    (await admin('GET', `/audit-log?limit=500&${query}`)).json().items as AuditItem[];

  beforeAll(async () => {
    h = await startHarness(dialect);
    seeded = await seedAcme(h.model);
    emma = (
      await admin('POST', '/staff', {
        email: 'emma.brown@acme.example',
        name: 'Emma Brown',
        externalId: 'hr-emma',
        offboardedAt: daysAgo(3),
      })
    ).json().id;
    olivia = (
      await admin('POST', '/staff', { email: 'olivia.chen@acme.example', name: 'Olivia Chen' })
    ).json().id;
    expect((await admin('PUT', '/links/u-emma-old', { staffId: emma })).statusCode).toBe(200);
    expect((await admin('PUT', '/links/u-olivia', { staffId: olivia })).statusCode).toBe(200);
    review = (
      await h.call('POST', '/reviews', {
        token: h.tokens.reviewer,
        body: { connection: 'finance/acme', tenantId: TENANT.tenantId, title: 'Q4' },
      })
    ).json().id;
    // Emma reviewed with a personal token (audited as token:emma-laptop) and through OIDC.
    const { token: emmas } = await h.model.db.tokens.create({
      name: 'emma-laptop',
      role: 'reviewer',
      ownerEmail: 'emma.brown@acme.example',
    });
    const decided = await h.call('PUT', `/reviews/${review}/items/u-jack`, {
      token: emmas,
      body: { decision: 'keep' },
    });
    expect(decided.statusCode).toBe(200);
    const decide = (userId: string, by: string, reviewerEmail: string) =>
      h.model.db.reviews.decide(review, userId, { decision: 'keep', by, reviewerEmail });
    await decide('u-liam', 'oidc:Emma.Brown@acme.example', 'emma.brown@acme.example');
    await h.model.db.audit.append({
      actor: 'oidc:Emma.Brown@acme.example',
      action: 'PUT /reviews/:id/items/:userId',
      resourceType: 'reviews',
      resourceId: `${review}/u-liam`,
    });
    await decide('u-emma', 'token:test-admin', 'test-admin@security.example');
    await decide('u-olivia', 'token:test-admin', 'test-admin@security.example');
    await h.model.db.audit.append({
      actor: 'oidc:olivia.chen@acme.example',
      action: 'PUT /reviews/:id/items/:userId',
      resourceType: 'reviews',
      resourceId: `${review}/u-olivia`,
    });
  });
  afterAll(async () => h?.close());

  describe('GET /staff/{id}/export', () => {
    it("lists every row about the person, and none of another person's", async () => {
      const response = await admin('GET', `/staff/${emma}/export`);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const parsed = subjectExportSchema.safeParse(response.json());
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      const body = parsed.data!;

      expect(body.staff).toMatchObject({ id: emma, email: 'emma.brown@acme.example' });
      expect(body.xeroUsers).toEqual([
        {
          userId: 'u-emma',
          tiedBy: ['email'],
          appearances: [
            {
              connection: CONNECTION,
              tenantId: TENANT.tenantId,
              snapshotId: seeded.second.id,
              sequence: 2,
              organisationRole: 'STANDARD',
              connected: true,
            },
          ],
        },
        { userId: 'u-emma-old', tiedBy: ['link'], appearances: [] },
      ]);
      expect(body.accountLinks.map((l) => [l.userId, l.staffId])).toEqual([['u-emma-old', emma]]);
      expect(body.apiTokens.map((t) => t.name)).toEqual(['emma-laptop']);
      expect(body.findings.map((f) => [f.check, f.subject.id])).toEqual([
        ['offboarded-access-removed', 'u-emma'],
      ]);
      expect(body.findingEvents.map((e) => [e.findingId, e.type])).toEqual([
        [body.findings[0]!.id, 'opened'],
      ]);
      expect(body.reviewDecisions.map((d) => [d.userId, d.decidedBy])).toEqual([
        ['u-emma', 'token:test-admin'],
      ]);
      expect(body.reviewDecisionHistory.map((e) => [e.userId, e.decision])).toEqual([
        ['u-emma', 'keep'],
      ]);
      const entries = body.auditLog.map((e) => `${e.actor} ${e.action} ${e.resourceId}`);
      expect(entries).toEqual(
        expect.arrayContaining([
          `token:test-admin POST /staff ${emma}`,
          'token:test-admin PUT /links/:userId u-emma-old',
          `token:emma-laptop PUT /reviews/:id/items/:userId ${review}/u-jack`,
          `oidc:Emma.Brown@acme.example PUT /reviews/:id/items/:userId ${review}/u-liam`,
        ]),
      );
      expect(body.snapshots).toMatchObject({
        userIds: ['u-emma', 'u-emma-old'],
        newest: [seeded.second.id],
      });
      expect(body.complete).toBe(true);

      // Olivia's record, link, Xero user, review item and audit entries are not Emma's data.
      expect(response.body).not.toContain(olivia);
      expect(response.body).not.toContain('olivia');
      expect(response.body).not.toContain('u-olivia');
    });

    it('is audited: who exported whom', async () => {
      // A streamed answer's outcome is written once its last byte is sent: wait for it.
      const exports = () => audit(`action=${encodeURIComponent('GET /staff/:id/export')}`);
      await expect
        .poll(async () => (await exports())[0]?.outcome, { timeout: 10_000 })
        .not.toBe('pending');
      const entries = await exports();
      expect(entries.length).toBeGreaterThan(0);
      expect(entries[0]).toMatchObject({
        actor: 'token:test-admin',
        resourceType: 'staff',
        resourceId: emma,
        outcome: 'success',
        details: { status: 200 },
      });
    });

    it('is for admins only', async () => {
      for (const token of [h.tokens.viewer, h.tokens.reviewer]) {
        const refused = await h.call('GET', `/staff/${emma}/export`, { token });
        expect(refused.statusCode).toBe(403);
      }
    });

    it('covers a member the identity provider deleted, and answers 404 for no member', async () => {
      const noah = (
        await admin('POST', '/staff', { email: 'noah@acme.example', name: 'Noah' })
      ).json().id;
      await h.model.db.staff.markDeleted(noah, { actor: 'test' });
      const deleted = await admin('GET', `/staff/${noah}/export`);
      expect(deleted.statusCode).toBe(200);
      expect(deleted.json().staff).toMatchObject({ id: noah, status: 'offboarded' });
      expect(deleted.json().staff.deletedAt).not.toBeNull();
      const missing = await admin('GET', '/staff/0190f0d2-0000-7000-8000-000000000000/export');
      expect(missing.statusCode).toBe(404);
    });
  });

  describe('POST /staff/{id}/erase', () => {
    it('is for admins only', async () => {
      const refused = await h.call('POST', `/staff/${emma}/erase`, { token: h.tokens.reviewer });
      expect(refused.statusCode).toBe(403);
    });

    it('is refused with 409 until the identity provider deleted the member, which would write them back', async () => {
      const refused = await admin('POST', `/staff/${emma}/erase`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toBe(
        `staff member ${emma} cannot be erased: they are not deleted (status offboarded, ` +
          `offboarded ${(await admin('GET', `/staff/${emma}`)).json().offboardedAt}, no ` +
          "deletedAt), so the identity provider's next SCIM PUT or PATCH of them, or a POST of " +
          `them again, would bring their name and email back; deprovision them first (SCIM ` +
          `DELETE /scim/v2/Users/${emma}, which the identity provider sends when the person is ` +
          'removed there; for a member no identity provider manages, send it with a scim token), ' +
          'then erase',
      );
      expect((await admin('GET', `/staff/${emma}`)).json().name).toBe('Emma Brown');
      const deleted = await h.call('DELETE', `/scim/v2/Users/${emma}`, { token: h.tokens.scim });
      expect(deleted.statusCode).toBe(204);
    });

    it('is refused with 409 while a Xero user tied to the person still has access', async () => {
      const refused = await admin('POST', `/staff/${emma}/erase`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toMatch(
        /Xero user u-emma \(tied by email\) has role STANDARD in the newest snapshot \(2\) of tenant tenant-acme of finance\/acme/,
      );
      expect((await admin('GET', `/staff/${emma}`)).json().name).toBe('Emma Brown');
    });

    it('is refused with 409 while a finding about them is open, once the access is gone', async () => {
      const removed = USERS.map((u) =>
        u.userId === 'u-emma' ? { ...u, organisationRole: 'REMOVED' } : u,
      );
      const third = await h.model.db.snapshots.record(
        CONNECTION,
        TENANT,
        removed,
        new Date('2026-11-22T00:00:00Z'),
      );
      const refused = await admin('POST', `/staff/${emma}/erase`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toMatch(
        /findings about their Xero users are not resolved \(.*offboarded-access-removed, u-emma, open\)/,
      );
      // The sync that sees the access gone resolves Emma's finding.
      await h.model.db.findings.apply(CONNECTION, third.id, [
        {
          check: 'user-identified',
          severity: 'medium',
          subject: { kind: 'user', id: 'u-jack' },
          message: 'Jack Taylor is not in the staff directory',
        },
      ]);
    });

    it('replaces the name, email and externalId in the directory and in review items', async () => {
      const erased = await admin('POST', `/staff/${emma}/erase`);
      expect(erased.statusCode).toBe(200);
      const parsed = erasureResultSchema.safeParse(erased.json());
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      const placeholder = `erased-${emma}@erased.invalid`;
      expect(erased.json()).toMatchObject({
        staff: { id: emma, name: '[erased]', email: placeholder, externalId: null },
        erased: {
          staffId: emma,
          xeroUserIds: ['u-emma', 'u-emma-old'],
          reviewDecisionsAbout: 1,
          reviewDecisionsDecided: 1,
          reviewDecisionEvents: 1,
          accessReviews: 0,
          emailTies: { used: true, otherMembers: 0 },
        },
      });
      expect(erased.body).not.toContain('emma.brown');

      const items = (await admin('GET', `/reviews/${review}/items?limit=500`)).json().items as {
        userId: string;
        email: string | null;
        name: string | null;
        decidedBy: string | null;
      }[];
      const item = (userId: string) => items.find((i) => i.userId === userId)!;
      expect(item('u-emma')).toMatchObject({ email: placeholder, name: '[erased]' });
      expect(item('u-liam')).toMatchObject({ decidedBy: `erased:${emma}` });
      // Not Emma's: left exactly as they were.
      expect(item('u-olivia')).toMatchObject({
        email: 'olivia.chen@acme.example',
        name: 'Olivia Chen',
      });
      expect(item('u-jack').decidedBy).toBe('token:emma-laptop');
      const history = (await admin('GET', `/reviews/${review}/items/u-liam/history`)).json().items;
      expect(history.map((e: { decidedBy: string }) => e.decidedBy)).toEqual([`erased:${emma}`]);
      expect((await admin('GET', `/staff/${olivia}`)).json()).toMatchObject({
        name: 'Olivia Chen',
        email: 'olivia.chen@acme.example',
      });
    });

    it('is audited without the erased email', async () => {
      const [entry] = await audit(`action=staff.erase&resourceId=${emma}`);
      expect(entry).toMatchObject({
        actor: 'token:test-admin',
        resourceType: 'staff',
        details: { erased: ['name', 'email', 'externalId'], xeroUserIds: ['u-emma', 'u-emma-old'] },
      });
      const requests = await audit(`action=${encodeURIComponent('POST /staff/:id/erase')}`);
      expect(requests.map((e) => [e.outcome, e.details?.status])).toEqual([
        ['success', 200],
        ['failure', 409],
        ['failure', 409],
        ['failure', 409],
      ]);
      expect(JSON.stringify([entry, ...requests])).not.toMatch(/emma\.brown|Emma Brown/i);
    });

    it('may be repeated: an erased member stays erased, and the export still answers', async () => {
      const again = await admin('POST', `/staff/${emma}/erase`);
      expect(again.statusCode).toBe(200);
      expect(again.json().staff).toMatchObject({ name: '[erased]', externalId: null });
      const exported = await admin('GET', `/staff/${emma}/export`);
      expect(exported.statusCode).toBe(200);
      expect(exported.json().staff.name).toBe('[erased]');
      // Her email is gone, so only the link still ties a Xero user to the record.
      expect(exported.json().xeroUsers.map((u: { userId: string }) => u.userId)).toEqual([
        'u-emma-old',
      ]);
      expect(exported.body).not.toMatch(/emma\.brown|Emma Brown/i);
    });

    it('keeps the hashed evidence: snapshots still hold the email, and the chain verifies', async () => {
      const evidence = await admin('GET', `/snapshots/${seeded.second.id}/export?format=json`);
      expect(evidence.statusCode).toBe(200);
      expect(evidence.body).toContain('emma.brown@acme.example');
      const chain = await admin(
        'GET',
        `/snapshots/chain?connection=finance/acme&tenant=${TENANT.tenantId}`,
      );
      expect(chain.json().verification).toMatchObject({ ok: true, length: 3 });
    });
  });
});
