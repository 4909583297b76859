import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { seedAcme } from '../test/fixtures.js';
import { DIALECTS, startHarness, type Harness } from '../test/harness.js';
import { SCIM_ERROR, SCIM_PATCH, SCIM_USER } from './scim.types.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const scimJson = { 'content-type': 'application/scim+json' };

/**
 * Identity providers batch a leaver's `active: false` with attributes the directory does not keep
 * (Entra ID's default mappings: given and family name, the work email, the enterprise department
 * and manager). The PATCH must still offboard them; refusing it left the leaver active.
 */
describe.each(DIALECTS)('SCIM PATCH from Entra ID and Okta on $dialect', ({ dialect }) => {
  let h: Harness;
  const logLines: { msg: string; ignoredPaths?: string[] }[] = [];
  const scim = (method: string, url: string, body?: unknown) =>
    h.call(method, url, { token: h.tokens.scim, body, headers: body ? scimJson : {} });
  /** A SCIM PatchOp on the user `id`. */
  const patchUser = (id: string, Operations: Record<string, unknown>[]) =>
    scim('PATCH', `/scim/v2/Users/${id}`, { schemas: [SCIM_PATCH], Operations });
  const provision = async (userName: string, externalId: string) => {
    const created = await scim('POST', '/scim/v2/Users', {
      schemas: [SCIM_USER, ENTERPRISE],
      userName,
      externalId,
      active: true,
      displayName: 'Leaver',
      emails: [{ primary: true, type: 'work', value: userName }],
      name: { givenName: 'Lea', familyName: 'Ver' },
      title: 'Accountant',
      [ENTERPRISE]: { department: 'Finance' },
    });
    expect(created.statusCode).toBe(201);
    return created.json().id as string;
  };
  const staffUpdates = async (id: string) =>
    (
      await h.call('GET', `/audit-log?action=staff.update&resourceId=${id}`, {
        token: h.tokens.admin,
      })
    ).json().items;

  beforeAll(async () => {
    h = await startHarness(dialect, {
      logger: createLogger('debug', {
        write: (line: string) => void logLines.push(JSON.parse(line)),
      }),
    });
    await seedAcme(h.model);
  });
  beforeEach(async () => {
    await h.redis.del(`${h.prefix}reevaluate:pending`);
  });
  afterAll(async () => h?.close());

  it('offboards on Entra ID\'s batched PATCH with active "False" and attributes not kept, audited and re-evaluated', async () => {
    const id = await provision('emma.brown@acme.example', 'entra-emma');
    const patched = await patchUser(id, [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Replace', path: 'displayName', value: 'Emma Brown' },
      { op: 'Replace', path: 'name.givenName', value: 'Emma' },
      { op: 'Replace', path: 'name.familyName', value: 'Brown' },
      { op: 'Add', path: 'emails[type eq "work"].value', value: 'emma@personal.example' },
      { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Leavers' },
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'entra-manager-7' },
    ]);
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      active: false,
      displayName: 'Emma Brown',
      userName: 'emma.brown@acme.example',
    });
    const member = await h.model.db.staff.get(id);
    expect(member).toMatchObject({ status: 'offboarded', email: 'emma.brown@acme.example' });
    expect(member?.offboardedAt).toBeInstanceOf(Date);
    const [update] = await staffUpdates(id);
    expect(update).toMatchObject({
      actor: 'token:test-scim',
      details: {
        previous: { status: 'active', offboardedAt: null },
        next: { status: 'offboarded', offboardedAt: member!.offboardedAt!.toISOString() },
      },
    });
    expect(await h.redis.smembers(`${h.prefix}reevaluate:pending`)).toEqual(['finance/acme']);

    const ignored = logLines.find((l) => l.ignoredPaths);
    expect(ignored?.ignoredPaths).toEqual([
      'name.givenName',
      'name.familyName',
      `${ENTERPRISE}:department`,
      `${ENTERPRISE}:manager`,
      'emails[…].value',
    ]);
    expect(JSON.stringify(logLines)).not.toMatch(/personal\.example|Leavers|entra-manager-7/);
  });

  it("offboards on Okta's path-less PATCH with complex attributes, extensions and a role removal", async () => {
    const id = await provision('olivia.chen@acme.example', 'okta-olivia');
    const patched = await patchUser(id, [
      {
        op: 'replace',
        value: {
          active: false,
          name: { givenName: 'Olivia', familyName: 'Chen' },
          emails: [{ value: 'olivia.chen@acme.example', type: 'work', primary: true }],
          phoneNumbers: [{ value: '+64 21 555 0100', type: 'mobile' }],
          [ENTERPRISE]: { department: 'Leavers', manager: { value: 'okta-manager' } },
        },
      },
      { op: 'remove', path: 'roles' },
    ]);
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ active: false, roles: [] });
    const member = await h.model.db.staff.get(id);
    expect(member).toMatchObject({ status: 'offboarded', orgRole: null });
    expect(member?.offboardedAt).toBeInstanceOf(Date);
    const [update] = await staffUpdates(id);
    expect(update).toMatchObject({
      details: {
        previous: { status: 'active', offboardedAt: null, orgRole: 'Accountant' },
        next: { status: 'offboarded', orgRole: null },
      },
    });
    expect(await h.redis.smembers(`${h.prefix}reevaluate:pending`)).toEqual(['finance/acme']);
  });

  it('still refuses a malformed operation, naming it, and changes nothing (the PATCH is atomic)', async () => {
    const id = await provision('liam.patel@acme.example', 'entra-liam');
    const readOnly = await patchUser(id, [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Replace', path: 'id', value: '0190f0d2-0000-7000-8000-000000000000' },
    ]);
    expect(readOnly.statusCode).toBe(400);
    expect(readOnly.json()).toMatchObject({
      schemas: [SCIM_ERROR],
      status: '400',
      scimType: 'mutability',
      detail: 'body.Operations.1.path: id is read-only and cannot be changed',
    });
    const badPath = await patchUser(id, [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Replace', path: 'emails[type eq "work"', value: 'a@b.example' },
    ]);
    expect(badPath.json()).toMatchObject({ status: '400', scimType: 'invalidPath' });
    expect(badPath.json().detail).toContain('body.Operations.1.path');
    const badOp = await patchUser(id, [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Explode', path: 'title' },
    ]);
    expect(badOp.statusCode).toBe(400);
    expect(badOp.json().detail).toContain('body.Operations.1.op');
    expect(await h.model.db.staff.get(id)).toMatchObject({ status: 'active', offboardedAt: null });
    expect(await staffUpdates(id)).toEqual([]);
  });
});
