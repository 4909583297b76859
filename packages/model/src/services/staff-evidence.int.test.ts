import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at } from '../test/fixtures.js';

const admin = { actor: 'admin@acme.test', actorRole: 'admin', requestId: 'req-7' };
const left = at('2026-11-01T09:00:00Z');
const now = at('2026-11-10T00:00:00Z');
const activeWithDate =
  /offboardedAt: 2026-11-01T09:00:00.000Z given with status active: a leaving date means the person has left/;

describe.each(testDrivers)('leaving dates and overwritten evidence on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;
  const entries = async (filter: { action?: string; resourceId?: string }) =>
    (await db().audit.list(filter, { limit: 500 })).items;

  describe('a leaving date without a status offboards, on every path', () => {
    it('create', async () => {
      expect(
        await db().staff.create({ email: 'ada@acme.test', name: 'Ada', offboardedAt: left }, now),
      ).toMatchObject({ status: 'offboarded', offboardedAt: left });
      await expect(
        db().staff.create(
          { email: 'bea@acme.test', name: 'Bea', status: 'active', offboardedAt: left },
          now,
        ),
      ).rejects.toThrow(new RegExp(`^${activeWithDate.source}`));
      expect(await db().staff.getByEmail('bea@acme.test')).toBeNull();
    });

    it('update (PATCH), which records what it overwrote', async () => {
      const cy = await db().staff.create({ email: 'cy@acme.test', name: 'Cy' }, now);
      await expect(
        db().staff.update(cy.id, { status: 'active', offboardedAt: left }, admin, now),
      ).rejects.toThrow(new RegExp(`^${activeWithDate.source}`));
      expect(await db().staff.get(cy.id)).toMatchObject({ status: 'active', offboardedAt: null });
      expect(await entries({ resourceId: cy.id })).toEqual([]);

      expect(await db().staff.update(cy.id, { offboardedAt: left }, admin, now)).toMatchObject({
        status: 'offboarded',
        offboardedAt: left,
      });
      const later = at('2026-11-02T09:00:00Z');
      expect(
        await db().staff.update(cy.id, { offboardedAt: later }, admin, at('2026-11-10T01:00:00Z')),
      ).toMatchObject({ status: 'offboarded', offboardedAt: later });
      // Reactivating without a date still works, and clears it.
      expect(
        await db().staff.update(cy.id, { status: 'active' }, admin, at('2026-11-10T02:00:00Z')),
      ).toMatchObject({
        status: 'active',
        offboardedAt: null,
      });
      expect((await entries({ resourceId: cy.id })).map((e) => e.details).reverse()).toEqual([
        {
          previous: { status: 'active', offboardedAt: null },
          next: { status: 'offboarded', offboardedAt: '2026-11-01T09:00:00.000Z' },
        },
        {
          previous: { offboardedAt: '2026-11-01T09:00:00.000Z' },
          next: { offboardedAt: '2026-11-02T09:00:00.000Z' },
        },
        {
          previous: { status: 'offboarded', offboardedAt: '2026-11-02T09:00:00.000Z' },
          next: { status: 'active', offboardedAt: null },
        },
      ]);
    });

    it('replace (SCIM PUT)', async () => {
      const dee = await db().staff.create({ email: 'dee@acme.test', name: 'Dee' }, now);
      expect(
        await db().staff.replace(
          dee.id,
          { email: 'dee@acme.test', name: 'Dee', offboardedAt: left },
          admin,
          now,
        ),
      ).toMatchObject({ status: 'offboarded', offboardedAt: left });
      await expect(
        db().staff.replace(
          dee.id,
          { email: 'dee@acme.test', name: 'Dee', status: 'active', offboardedAt: left },
          admin,
          now,
        ),
      ).rejects.toThrow(new RegExp(`^${activeWithDate.source}`));
    });

    it('import: an HR export with email,name,offboardedAt offboards, and says so once', async () => {
      const eve = await db().staff.create({ email: 'eve@acme.test', name: 'Eve' }, now);
      const hrExport = [
        { email: 'eve@acme.test', name: 'Eve', offboardedAt: left },
        { email: 'fay@acme.test', name: 'Fay', offboardedAt: left },
      ];
      expect(await db().staff.importMany(hrExport, admin, now)).toEqual({
        created: 1,
        updated: 1,
        unchanged: 0,
        skipped: 0,
        updatedIds: [eve.id],
      });
      expect(await db().staff.get(eve.id)).toMatchObject({
        status: 'offboarded',
        offboardedAt: left,
      });
      expect(await db().staff.getByEmail('fay@acme.test')).toMatchObject({
        status: 'offboarded',
        offboardedAt: left,
      });
      // The same file again changes nothing.
      expect(await db().staff.importMany(hrExport, admin, now)).toMatchObject({
        updated: 0,
        unchanged: 2,
      });
      await expect(
        db().staff.importMany(
          [
            { email: 'gus@acme.test', name: 'Gus' },
            { email: 'eve@acme.test', name: 'Eve', status: 'active', offboardedAt: left },
          ],
          admin,
          now,
        ),
      ).rejects.toThrow(new RegExp(`^1\\.${activeWithDate.source}`));
      expect(await db().staff.getByEmail('gus@acme.test')).toBeNull();
      expect(await entries({ resourceId: eve.id })).toEqual([
        expect.objectContaining({
          action: 'staff.update',
          resourceType: 'staff',
          actor: 'admin@acme.test',
          actorRole: 'admin',
          requestId: 'req-7',
          at: now,
          details: {
            previous: { status: 'active', offboardedAt: null },
            next: { status: 'offboarded', offboardedAt: '2026-11-01T09:00:00.000Z' },
          },
        }),
      ]);
    });
  });

  describe('staff changes record the evidence they overwrite, in their transaction', () => {
    it('only the changed evidence fields; nothing for a change that overwrites none', async () => {
      const hal = await db().staff.create(
        { email: 'hal@acme.test', name: 'Hal', orgRole: 'accountant', externalId: 'okta-hal' },
        now,
      );
      await db().staff.update(hal.id, { name: 'Hal B', externalId: 'okta-hal2' }, admin, now);
      expect(await entries({ resourceId: hal.id })).toEqual([]);
      await db().staff.update(
        hal.id,
        { email: 'hal.b@acme.test', orgRole: 'controller' },
        admin,
        now,
      );
      expect((await entries({ resourceId: hal.id }))[0]?.details).toEqual({
        previous: { email: 'hal@acme.test', orgRole: 'accountant' },
        next: { email: 'hal.b@acme.test', orgRole: 'controller' },
      });
    });

    it('a change that fails writes no entry', async () => {
      const ivy = await db().staff.create({ email: 'ivy@acme.test', name: 'Ivy' }, now);
      await expect(
        db().staff.update(ivy.id, { email: 'ada@acme.test', status: 'offboarded' }, admin, now),
      ).rejects.toThrow(ConflictError);
      expect(await db().staff.get(ivy.id)).toMatchObject({ status: 'active' });
      expect(await entries({ resourceId: ivy.id })).toEqual([]);
    });

    it('a SCIM delete records the offboarding it makes', async () => {
      const jo = await db().staff.create({ email: 'jo@acme.test', name: 'Jo' }, now);
      await db().staff.markDeleted(jo.id, admin, now);
      expect((await entries({ resourceId: jo.id }))[0]?.details).toEqual({
        previous: { status: 'active', offboardedAt: null },
        next: { status: 'offboarded', offboardedAt: '2026-11-10T00:00:00.000Z' },
      });
    });

    it('an import touching hundreds of members writes one entry per changed member', async () => {
      const people = Array.from({ length: 320 }, (_, i) => ({
        email: `p${String(i).padStart(3, '0')}@acme.test`,
        name: `P${i}`,
      }));
      await db().staff.importMany(people, admin, now);
      const offboarding = people.map((p, i) => (i % 2 ? { ...p, name: 'renamed' } : p));
      const result = await db().staff.importMany(
        offboarding.map((p, i) => (i < 310 && i % 2 === 0 ? { ...p, offboardedAt: left } : p)),
        admin,
        now,
      );
      // 155 offboarded, 160 renamed (no evidence changed), 5 unchanged.
      expect(result).toMatchObject({ updated: 315, unchanged: 5 });
      const written = (await entries({ action: 'staff.update' })).filter((e) =>
        result.updatedIds.includes(e.resourceId!),
      );
      expect(written).toHaveLength(155);
      expect(new Set(written.map((e) => e.resourceId)).size).toBe(155);
    });
  });

  describe('link changes record the link they overwrite, in their transaction', () => {
    it('a re-point and a delete name the previous target; a new or identical link writes none', async () => {
      const kai = (await db().staff.getByEmail('hal.b@acme.test'))!;
      const lou = (await db().staff.getByEmail('ivy@acme.test'))!;
      await db().links.link('u-emma', { staffId: kai.id }, admin, now);
      await db().links.link('U-EMMA', { staffId: kai.id }, admin, now);
      expect(await entries({ resourceId: 'u-emma' })).toEqual([]);

      await db().links.link('U-Emma', { staffId: lou.id }, admin, at('2026-11-10T01:00:00Z'));
      await db().links.link(
        'u-emma',
        { nonHuman: true, justification: 'shared mailbox' },
        admin,
        at('2026-11-10T02:00:00Z'),
      );
      await db().links.unlink('U-EMMA', admin, at('2026-11-10T03:00:00Z'));
      const [deleted, toNonHuman, repointed] = await entries({ resourceId: 'u-emma' });
      expect(repointed).toMatchObject({
        action: 'link.replace',
        resourceType: 'links',
        actor: 'admin@acme.test',
        requestId: 'req-7',
        details: {
          previous: { staffId: kai.id, nonHuman: false, justification: null },
          next: { staffId: lou.id, nonHuman: false, justification: null },
        },
      });
      expect(toNonHuman).toMatchObject({
        action: 'link.replace',
        details: {
          previous: { staffId: lou.id },
          next: { staffId: null, nonHuman: true, justification: 'shared mailbox' },
        },
      });
      expect(deleted).toMatchObject({
        action: 'link.delete',
        resourceType: 'links',
        details: { previous: { staffId: null, nonHuman: true, justification: 'shared mailbox' } },
      });
      expect(deleted?.details).not.toHaveProperty('next');
    });

    it('a refused link writes no entry', async () => {
      const kai = (await db().staff.getByEmail('hal.b@acme.test'))!;
      await db().links.link('u-ned', { staffId: kai.id }, admin, now);
      await expect(
        db().links.link('u-ned', { staffId: '00000000-0000-7000-8000-000000000000' }, admin),
      ).rejects.toThrow(/^staffId: /);
      expect(await entries({ resourceId: 'u-ned' })).toEqual([]);
    });
  });
});
