import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

describe.each(DIALECTS)('re-evaluation reaches linked Xero users on $dialect', ({ dialect }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
    await seedAcme(h.model);
  });
  afterAll(async () => h?.close());

  const linkAuditEntries = async () =>
    (
      (
        await h.call('GET', '/audit-log?resourceType=links&limit=500', { token: h.tokens.admin })
      ).json().items as { action: string; resourceId: string | null; outcome: string }[]
    ).map((e) => [e.action, e.resourceId, e.outcome]);

  it('links an upper-case UserID as stored: re-evaluated and audited under the stored id', async () => {
    const olivia = await h.model.db.staff.create({
      email: 'olivia.chen@acme.example',
      name: 'Olivia Chen',
    });
    const linked = await h.call('PUT', '/links/U-JACK', {
      token: h.tokens.admin,
      body: { staffId: olivia.id },
    });
    expect(linked.statusCode).toBe(200);
    expect(linked.json()).toMatchObject({ userId: 'u-jack', reevaluated: ['finance/acme'] });
    const removed = await h.call('DELETE', '/links/U-Jack', { token: h.tokens.admin });
    expect(removed.json()).toEqual({
      userId: 'u-jack',
      deleted: true,
      reevaluated: ['finance/acme'],
      notReevaluated: [],
    });
    expect(await linkAuditEntries()).toEqual(
      expect.arrayContaining([
        ['PUT /links/:userId', 'u-jack', 'success'],
        ['DELETE /links/:userId', 'u-jack', 'success'],
      ]),
    );
  });

  it('re-evaluates the Xero users linked to a member an import offboards, whatever their email', async () => {
    // Liam's Xero login is liam.patel@acme.example; the directory knows him by another address.
    const liam = await h.model.db.staff.create({
      email: 'l.patel@corp.example',
      name: 'Liam Patel',
    });
    await h.model.db.links.link('u-liam', { staffId: liam.id }, { actor: 'test:seed' });
    const offboarding = [
      {
        email: 'l.patel@corp.example',
        name: 'Liam Patel',
        status: 'offboarded',
        offboardedAt: '2026-11-01T00:00:00Z',
      },
    ];
    const imported = await h.call('POST', '/staff/import', {
      token: h.tokens.admin,
      body: offboarding,
    });
    expect(imported.json()).toEqual({
      created: 0,
      updated: 1,
      unchanged: 0,
      skipped: 0,
      reevaluated: ['finance/acme'],
      notReevaluated: [],
    });
    // As PATCH /staff/:id would for the same change.
    const patched = await h.call('PATCH', `/staff/${liam.id}`, {
      token: h.tokens.admin,
      body: { status: 'active' },
    });
    expect(patched.json().reevaluated).toEqual(['finance/acme']);
  });
});
