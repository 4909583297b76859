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

  async function exported(staffId: string) {
    const found = await db().subjects.export(staffId);
    let text = '';
    for await (const piece of found!.text()) text += piece;
    return JSON.parse(text);
  }

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
    const member = await db().staff.create({ email: 'ann@acme.test', name: 'Ann Lee' });
    await db().links.link('u-ann-old', { staffId: member.id }, admin);

    const body = await exported(member.id);
    expect(body.xeroUsers).toEqual([
      {
        userId: 'u-ann',
        tiedBy: ['email'],
        appearances: expect.arrayContaining([
          expect.objectContaining({ connection: west, sequence: 2, organisationRole: 'REMOVED' }),
          expect.objectContaining({ connection: east, sequence: 1, organisationRole: 'STANDARD' }),
        ]),
      },
      { userId: 'u-ann-old', tiedBy: ['link'], appearances: [] },
    ]);
    expect(body.xeroUsers[0].appearances).toHaveLength(2);
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
    expect(await db().subjects.erase(member.id, admin)).toMatchObject({
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
});
