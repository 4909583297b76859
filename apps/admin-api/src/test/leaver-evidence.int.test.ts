import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_PATCH, SCIM_USER } from '../scim/scim.types.js';
import { seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

const scimJson = { 'content-type': 'application/scim+json' };

const scimUser = (userName: string, externalId: string, extra: Record<string, unknown> = {}) => ({
  schemas: [SCIM_USER],
  userName,
  externalId,
  displayName: 'John Smith',
  roles: [{ value: 'accountant', primary: true }],
  ...extra,
});

interface AuditItem {
  action: string;
  actor: string;
  resourceId: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
}

/**
 * A leaver's record is the evidence behind offboarded-access-removed: neither a SCIM write nor an
 * import may turn it into someone else, reactivate it or erase its offboarding.
 */
describe.each(DIALECTS)("a leaver's record stays evidence on $dialect", ({ dialect }) => {
  let h: Harness;
  let snapshotId: string;
  const scim = (method: string, url: string, body?: unknown) =>
    h.call(method, url, { token: h.tokens.scim, body, headers: body ? scimJson : {} });
  const staff = async (id: string) =>
    (await h.call('GET', `/staff/${id}`, { token: h.tokens.viewer })).json();
  const audit = async (query: string) =>
    (await h.call('GET', `/audit-log?${query}`, { token: h.tokens.admin })).json()
      .items as AuditItem[];
  const importCsv = (csv: string) =>
    h.call('POST', '/staff/import', {
      token: h.tokens.admin,
      rawBody: csv,
      headers: { 'content-type': 'text/csv' },
    });

  beforeAll(async () => {
    h = await startHarness(dialect);
    snapshotId = (await seedAcme(h.model)).second.id;
  });
  afterAll(async () => h?.close());

  let leaverId: string;
  let leaverRecord: Record<string, unknown>;

  it("a POST reusing a deleted leaver's externalId creates a new member; the leaver, their link and finding stay", async () => {
    const joined = await scim(
      'POST',
      '/scim/v2/Users',
      scimUser('john.smith@acme.example', 'jsmith'),
    );
    expect(joined.statusCode).toBe(201);
    leaverId = joined.json().id;
    // Xero user u-emma (still in the latest snapshot) is the leaver's login.
    const linked = await h.call('PUT', '/links/u-emma', {
      token: h.tokens.admin,
      body: { staffId: leaverId },
    });
    expect(linked.statusCode).toBe(200);
    expect((await scim('DELETE', `/scim/v2/Users/${leaverId}`)).statusCode).toBe(204);
    leaverRecord = await staff(leaverId);
    expect(leaverRecord).toMatchObject({ status: 'offboarded', email: 'john.smith@acme.example' });
    // The deletion's offboarding is evidence too: what it changed is in the audit log.
    expect(await audit(`action=staff.update&resourceId=${leaverId}`)).toEqual([
      expect.objectContaining({
        actor: 'token:test-scim',
        details: {
          previous: { status: 'active', offboardedAt: null },
          next: { status: 'offboarded', offboardedAt: leaverRecord.offboardedAt },
        },
      }),
    ]);

    const hired = await scim(
      'POST',
      '/scim/v2/Users',
      scimUser('john.smith2@acme.example', 'jsmith'),
    );
    expect(hired.statusCode).toBe(201);
    const hire = hired.json();
    expect(hire).toMatchObject({ userName: 'john.smith2@acme.example', active: true });
    expect(hire.id).not.toBe(leaverId);

    expect(await staff(leaverId)).toEqual(leaverRecord);
    expect((await h.call('GET', '/links/u-emma', { token: h.tokens.viewer })).json()).toMatchObject(
      { staffId: leaverId },
    );
    // What the reconciler evaluates next: u-emma is still a leaver's login, left on the same date.
    const context = await h.model.db.evaluationContext(snapshotId);
    expect(context?.accountLinks).toContainEqual({ userId: 'u-emma', staffId: leaverId });
    expect(context?.staff.find((s) => s.id === leaverId)).toMatchObject({
      status: 'offboarded',
      offboardedAt: leaverRecord.offboardedAt,
    });
    const open = (
      await h.call('GET', '/findings?check=offboarded-access-removed&status=open', {
        token: h.tokens.viewer,
      })
    ).json().items as { subject: { id: string } }[];
    expect(open.map((f) => f.subject.id)).toContain('u-emma');
    // For SCIM the externalId now names the new hire only.
    const byExternalId = (
      await scim('GET', `/scim/v2/Users?filter=${encodeURIComponent('externalId eq "jsmith"')}`)
    ).json();
    expect(byExternalId.Resources.map((u: { id: string }) => u.id)).toEqual([hire.id]);
    const revivals = (await audit('resourceType=staff')).filter((e) => e.action === 'staff.revive');
    expect(revivals).toEqual([]);
  });

  it("a POST with a deleted leaver's userName but another externalId is someone new: the leaver keeps their record", async () => {
    const hired = await scim(
      'POST',
      '/scim/v2/Users',
      scimUser('John.Smith@acme.example', 'jsmith-new-hire'),
    );
    expect(hired.statusCode).toBe(201);
    const hire = hired.json();
    expect(hire).toMatchObject({ userName: 'john.smith@acme.example', active: true });
    expect(hire.id).not.toBe(leaverId);
    expect(await staff(leaverId)).toEqual(leaverRecord);
    expect((await h.call('GET', '/links/u-emma', { token: h.tokens.viewer })).json()).toMatchObject(
      { staffId: leaverId },
    );
    const byUserName = (
      await scim(
        'GET',
        `/scim/v2/Users?filter=${encodeURIComponent('userName eq "john.smith@acme.example"')}`,
      )
    ).json();
    expect(byUserName.Resources.map((u: { id: string }) => u.id)).toEqual([hire.id]);
    const context = await h.model.db.evaluationContext(snapshotId);
    expect(context?.accountLinks).toContainEqual({ userId: 'u-emma', staffId: leaverId });
    expect(context?.staff.find((s) => s.id === leaverId)).toMatchObject({
      status: 'offboarded',
      offboardedAt: leaverRecord.offboardedAt,
    });
    expect(await audit(`action=staff.revive&resourceId=${leaverId}`)).toEqual([]);
    // Gone again, so that the leaver's own externalId may come back below.
    expect((await scim('DELETE', `/scim/v2/Users/${hire.id}`)).statusCode).toBe(204);
  });

  it("a POST with a deleted leaver's userName and externalId is a rehire: same record, the overwritten evidence in the audit log", async () => {
    // The new hire above still holds jsmith among live users: they leave first.
    const [holder] = (
      await scim('GET', `/scim/v2/Users?filter=${encodeURIComponent('externalId eq "jsmith"')}`)
    ).json().Resources as { id: string }[];
    expect((await scim('DELETE', `/scim/v2/Users/${holder!.id}`)).statusCode).toBe(204);
    const rehired = await scim(
      'POST',
      '/scim/v2/Users',
      scimUser('John.Smith@acme.example', 'jsmith', {
        roles: [{ value: 'bookkeeper', primary: true }],
      }),
    );
    expect(rehired.statusCode).toBe(201);
    expect(rehired.json()).toMatchObject({ id: leaverId, active: true });
    expect(await staff(leaverId)).toMatchObject({
      status: 'active',
      offboardedAt: null,
      deletedAt: null,
      externalId: 'jsmith',
      orgRole: 'bookkeeper',
    });
    expect((await h.call('GET', '/links/u-emma', { token: h.tokens.viewer })).json()).toMatchObject(
      { staffId: leaverId },
    );
    const [revival, ...more] = await audit(`action=staff.revive&resourceId=${leaverId}`);
    expect(more).toEqual([]);
    expect(revival).toMatchObject({
      action: 'staff.revive',
      actor: 'token:test-scim',
      details: {
        previous: {
          status: 'offboarded',
          offboardedAt: leaverRecord.offboardedAt,
          deletedAt: leaverRecord.deletedAt,
          externalId: 'jsmith',
          orgRole: 'accountant',
          source: 'scim',
        },
        accountLinksKept: ['u-emma'],
      },
    });
    const [request] = await audit(`resourceType=scim.users&resourceId=${leaverId}&limit=1`);
    expect(request).toMatchObject({ action: 'POST /scim/v2/Users' });
    expect(revival?.requestId).toBe(request?.requestId);
  });

  it('a PUT without active keeps a leaver offboarded with their date; a POST without it is active', async () => {
    const created = await scim(
      'POST',
      '/scim/v2/Users',
      scimUser('ava.jones@acme.example', 'ajones'),
    );
    expect(created.json()).toMatchObject({ active: true });
    const id = created.json().id as string;
    // Kept active by a PUT without it too.
    const renamed = await scim(
      'PUT',
      `/scim/v2/Users/${id}`,
      scimUser('ava.jones@acme.example', 'ajones', { displayName: 'Ava J' }),
    );
    expect(renamed.json()).toMatchObject({ active: true, displayName: 'Ava J' });

    await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: [SCIM_PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    const left = await staff(id);
    expect(left).toMatchObject({ status: 'offboarded', offboardedAt: expect.any(String) });
    const replaced = await scim(
      'PUT',
      `/scim/v2/Users/${id}`,
      scimUser('ava.jones@acme.example', 'ajones', { displayName: 'Ava Jones' }),
    );
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ active: false, displayName: 'Ava Jones' });
    expect(await staff(id)).toMatchObject({
      status: 'offboarded',
      offboardedAt: left.offboardedAt,
    });
    // Said explicitly, a PUT still reactivates.
    const back = await scim(
      'PUT',
      `/scim/v2/Users/${id}`,
      scimUser('ava.jones@acme.example', 'ajones', { active: true }),
    );
    expect(back.json().active).toBe(true);
    expect(await staff(id)).toMatchObject({ status: 'active', offboardedAt: null });
  });

  it('an import keeps the columns the file leaves out and clears empty cells', async () => {
    const ava = (
      await h.call('GET', '/staff?email=ava.jones@acme.example', { token: h.tokens.viewer })
    ).json().items[0];
    expect(ava).toMatchObject({ orgRole: 'accountant', externalId: 'ajones', source: 'scim' });
    const withoutColumns = await importCsv('email,name\r\nava.jones@acme.example,Ava M. Jones\r\n');
    expect(withoutColumns.json()).toMatchObject({ created: 0, updated: 1, skipped: 0 });
    expect(await staff(ava.id)).toMatchObject({
      name: 'Ava M. Jones',
      orgRole: 'accountant',
      externalId: 'ajones',
      source: 'scim',
      status: 'active',
    });
    const emptyCells = await importCsv(
      'email,name,orgRole,externalId\r\nava.jones@acme.example,Ava M. Jones,,\r\n',
    );
    expect(emptyCells.json()).toMatchObject({ updated: 1 });
    expect(await staff(ava.id)).toMatchObject({ orgRole: null, externalId: null, source: 'scim' });
  });

  it('an import skips members the identity provider deleted and refuses to reactivate one, naming the line', async () => {
    const made = await scim('POST', '/scim/v2/Users', scimUser('zoe.king@acme.example', 'zking'));
    const id = made.json().id as string;
    expect((await scim('DELETE', `/scim/v2/Users/${id}`)).statusCode).toBe(204);
    const deleted = await staff(id);

    const reactivating = await importCsv(
      'email,name,status\r\nnew.person@acme.example,New Person,active\r\nzoe.king@acme.example,Zoe King,active\r\n',
    );
    expect(reactivating.statusCode).toBe(400);
    expect(reactivating.json()).toMatchObject({ field: 'body.line 3.status' });
    expect(reactivating.json().message).toMatch(
      /^body\.line 3\.status: active, but the identity provider deleted this member/,
    );
    expect(await staff(id)).toEqual(deleted);
    expect(
      (
        await h.call('GET', '/staff?email=new.person@acme.example', { token: h.tokens.viewer })
      ).json().items,
    ).toEqual([]);

    const withoutStatus = await importCsv(
      'email,name,orgRole\r\nzoe.king@acme.example,Zoe K,controller\r\nnew.person@acme.example,New Person,\r\n',
    );
    expect(withoutStatus.statusCode).toBe(200);
    expect(withoutStatus.json()).toMatchObject({ created: 1, updated: 0, skipped: 1 });
    expect(await staff(id)).toEqual(deleted);
    expect((await scim('GET', `/scim/v2/Users/${id}`)).statusCode).toBe(404);
  });

  it("an admin's PATCH cannot reactivate a member the identity provider deleted, naming body.status", async () => {
    const made = await scim('POST', '/scim/v2/Users', scimUser('yan.li@acme.example', 'yli'));
    const id = made.json().id as string;
    expect((await scim('DELETE', `/scim/v2/Users/${id}`)).statusCode).toBe(204);
    const deleted = await staff(id);

    const reactivating = await h.call('PATCH', `/staff/${id}`, {
      token: h.tokens.admin,
      body: { status: 'active' },
    });
    expect(reactivating.statusCode).toBe(400);
    expect(reactivating.json()).toMatchObject({ field: 'body.status' });
    expect(reactivating.json().message).toMatch(
      /^body\.status: active, but the identity provider deleted this member/,
    );
    expect(await staff(id)).toEqual(deleted);
  });
});
