import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_ERROR, SCIM_LIST, SCIM_PATCH, SCIM_USER } from '../scim/scim.types.js';
import { seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

const user = (overrides: Record<string, unknown> = {}) => ({
  schemas: [SCIM_USER],
  userName: 'emma.brown@acme.example',
  externalId: 'okta-00u1',
  name: { givenName: 'Emma', familyName: 'Brown' },
  emails: [{ value: 'emma.brown@acme.example', primary: true, type: 'work' }],
  roles: [{ value: 'accountant', primary: true }],
  active: true,
  ...overrides,
});

const scimJson = { 'content-type': 'application/scim+json' };

describe.each(DIALECTS)('SCIM 2.0 /scim/v2/Users on $dialect (RFC 7644)', ({ dialect }) => {
  let h: Harness;
  let id: string;
  const scim = (method: string, url: string, body?: unknown) =>
    h.call(method, url, { token: h.tokens.scim, body, headers: body ? scimJson : {} });
  beforeAll(async () => {
    h = await startHarness(dialect);
    await seedAcme(h.model);
  });
  afterAll(async () => h?.close());

  it('creates a user: 201, Location, meta, application/scim+json', async () => {
    const created = await scim('POST', '/scim/v2/Users', user());
    expect(created.statusCode).toBe(201);
    expect(created.headers['content-type']).toMatch(/^application\/scim\+json/);
    const body = created.json();
    id = body.id;
    expect(created.headers.location).toBe(`http://127.0.0.1:8080/scim/v2/Users/${id}`);
    expect(body).toMatchObject({
      schemas: [SCIM_USER],
      userName: 'emma.brown@acme.example',
      externalId: 'okta-00u1',
      displayName: 'Emma Brown',
      active: true,
      roles: [{ value: 'accountant', primary: true }],
      meta: { resourceType: 'User', location: created.headers.location },
    });
    const member = await h.model.db.staff.get(id);
    expect(member).toMatchObject({
      email: 'emma.brown@acme.example',
      orgRole: 'accountant',
      status: 'active',
      source: 'scim',
    });
  });

  it('refuses a duplicate userName with 409 uniqueness', async () => {
    const duplicate = await scim('POST', '/scim/v2/Users', user({ externalId: 'okta-other' }));
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toMatchObject({
      schemas: [SCIM_ERROR],
      status: '409',
      scimType: 'uniqueness',
    });
  });

  it('gets a user, and 404 in the SCIM error format for an unknown one', async () => {
    expect((await scim('GET', `/scim/v2/Users/${id}`)).json().id).toBe(id);
    const missing = await scim('GET', '/scim/v2/Users/0190f0d2-0000-7000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '404' });
  });

  it('lists with filter=userName eq "…" (case-insensitive value) and externalId eq, as a ListResponse', async () => {
    const found = (
      await scim(
        'GET',
        `/scim/v2/Users?filter=${encodeURIComponent('userName eq "Emma.Brown@acme.example"')}`,
      )
    ).json();
    expect(found).toMatchObject({
      schemas: [SCIM_LIST],
      totalResults: 1,
      startIndex: 1,
      itemsPerPage: 1,
    });
    expect(found.Resources[0].id).toBe(id);
    const byExternal = (
      await scim('GET', `/scim/v2/Users?filter=${encodeURIComponent('externalId eq "okta-00u1"')}`)
    ).json();
    expect(byExternal.totalResults).toBe(1);
    const none = (
      await scim(
        'GET',
        `/scim/v2/Users?filter=${encodeURIComponent('userName eq "nobody@acme.example"')}`,
      )
    ).json();
    expect(none).toMatchObject({ totalResults: 0, Resources: [] });
    const unsupported = await scim(
      'GET',
      `/scim/v2/Users?filter=${encodeURIComponent('name.familyName co "Br"')}`,
    );
    expect(unsupported.statusCode).toBe(400);
    expect(unsupported.json()).toMatchObject({
      schemas: [SCIM_ERROR],
      status: '400',
      scimType: 'invalidFilter',
    });
  });

  it('pages with startIndex and count', async () => {
    await scim(
      'POST',
      '/scim/v2/Users',
      user({
        userName: 'liam.patel@acme.example',
        externalId: 'okta-00u2',
        emails: undefined,
        roles: undefined,
      }),
    );
    const page = (await scim('GET', '/scim/v2/Users?startIndex=2&count=1')).json();
    expect(page).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1 });
    expect(page.Resources).toHaveLength(1);
  });

  it('replaces a user with PUT (attributes left out are cleared)', async () => {
    const replaced = await scim(
      'PUT',
      `/scim/v2/Users/${id}`,
      user({ roles: undefined, title: 'controller', displayName: 'Emma B.' }),
    );
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({
      displayName: 'Emma B.',
      roles: [{ value: 'controller' }],
    });
  });

  it('offboards with PATCH active=false (path form and Entra ID value form) and re-evaluates', async () => {
    const patched = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: [SCIM_PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().active).toBe(false);
    const member = await h.model.db.staff.get(id);
    expect(member?.status).toBe('offboarded');
    expect(member?.offboardedAt).toBeInstanceOf(Date);
    expect(await h.redis.smembers(`${h.prefix}reevaluate:pending`)).toEqual(['finance/acme']);

    const reactivated = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: [SCIM_PATCH],
      Operations: [{ op: 'Replace', value: { active: 'True' } }],
    });
    expect(reactivated.json().active).toBe(true);
    expect((await h.model.db.staff.get(id))?.offboardedAt).toBeNull();
  });

  it('ignores PATCH on an attribute not kept (as PUT), answers a malformed path with invalidPath, and a bad PatchOp with 400', async () => {
    const notKept = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: [SCIM_PATCH],
      Operations: [{ op: 'replace', path: 'phoneNumbers', value: [] }],
    });
    expect(notKept.statusCode).toBe(200);
    const badPath = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: [SCIM_PATCH],
      Operations: [{ op: 'replace', path: 'phoneNumbers[type eq "work"', value: [] }],
    });
    expect(badPath.json()).toMatchObject({ status: '400', scimType: 'invalidPath' });
    const badOp = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: [SCIM_PATCH],
      Operations: [{ op: 'explode', path: 'active' }],
    });
    expect(badOp.statusCode).toBe(400);
    expect(badOp.json().schemas).toEqual([SCIM_ERROR]);
    const wrongSchema = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: [SCIM_USER],
      Operations: [],
    });
    expect(wrongSchema.statusCode).toBe(400);
  });

  it('refuses a create without userName, naming it', async () => {
    const response = await scim('POST', '/scim/v2/Users', {
      schemas: [SCIM_USER],
      name: { givenName: 'X' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      schemas: [SCIM_ERROR],
      status: '400',
      scimType: 'invalidValue',
    });
    expect(response.json().detail).toContain('body.userName');
  });

  it('deletes a user: 204, then gone for SCIM (404, not listed), but kept offboarded with its links', async () => {
    const linked = await h.call('PUT', '/links/u-emma', {
      token: h.tokens.admin,
      body: { staffId: id },
    });
    expect(linked.statusCode).toBe(200);
    await h.redis.del(`${h.prefix}reevaluate:pending`);

    const deleted = await scim('DELETE', `/scim/v2/Users/${id}`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect(await h.redis.smembers(`${h.prefix}reevaluate:pending`)).toEqual(['finance/acme']);

    const gone = await scim('GET', `/scim/v2/Users/${id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '404' });
    const listed = (await scim('GET', '/scim/v2/Users')).json();
    expect(listed.totalResults).toBe(1);
    expect(listed.Resources.map((u: { id: string }) => u.id)).not.toContain(id);
    for (const filter of ['userName eq "emma.brown@acme.example"', 'externalId eq "okta-00u1"'])
      expect(
        (await scim('GET', `/scim/v2/Users?filter=${encodeURIComponent(filter)}`)).json(),
      ).toMatchObject({ totalResults: 0, Resources: [] });
    expect((await scim('DELETE', `/scim/v2/Users/${id}`)).statusCode).toBe(404);
    expect((await scim('PUT', `/scim/v2/Users/${id}`, user())).statusCode).toBe(404);
    const patched = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: [SCIM_PATCH],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });
    expect(patched.statusCode).toBe(404);

    // The audit evidence: the record, offboarded and marked deleted, and the explicit link.
    const staff = await h.call('GET', `/staff/${id}`, { token: h.tokens.viewer });
    expect(staff.statusCode).toBe(200);
    const record = staff.json();
    expect(record).toMatchObject({ id, status: 'offboarded', email: 'emma.brown@acme.example' });
    expect(record.deletedAt).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    expect(record.offboardedAt).toBe(record.deletedAt);
    const page = await h.call('GET', '/staff?email=emma.brown@acme.example', {
      token: h.tokens.viewer,
    });
    expect(page.json().items[0]).toMatchObject({ id, deletedAt: record.deletedAt });
    const link = await h.call('GET', '/links/u-emma', { token: h.tokens.viewer });
    expect(link.statusCode).toBe(200);
    expect(link.json()).toMatchObject({ userId: 'u-emma', staffId: id });
  });

  it('revives a deleted user on POST of the same userName (rehire): same id, active', async () => {
    const revived = await scim('POST', '/scim/v2/Users', user({ displayName: 'Emma Brown' }));
    expect(revived.statusCode).toBe(201);
    expect(revived.json()).toMatchObject({ id, active: true, userName: 'emma.brown@acme.example' });
    expect(revived.headers.location).toBe(`http://127.0.0.1:8080/scim/v2/Users/${id}`);
    expect((await scim('GET', `/scim/v2/Users/${id}`)).statusCode).toBe(200);
    const staff = (await h.call('GET', `/staff/${id}`, { token: h.tokens.viewer })).json();
    expect(staff).toMatchObject({ status: 'active', offboardedAt: null, deletedAt: null });
    // Still a live member: a second create is a conflict again.
    const duplicate = await scim('POST', '/scim/v2/Users', user({ externalId: 'okta-other' }));
    expect(duplicate.statusCode).toBe(409);
  });

  it('describes itself at ServiceProviderConfig', async () => {
    const config = await scim('GET', '/scim/v2/ServiceProviderConfig');
    expect(config.statusCode).toBe(200);
    expect(config.json()).toMatchObject({
      patch: { supported: true },
      filter: { supported: true },
      bulk: { supported: false },
    });
  });

  it('accepts only the SCIM token: an admin API token is refused, in the SCIM error format', async () => {
    const response = await h.call('GET', '/scim/v2/Users', { token: h.tokens.admin });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '403' });
    expect((await h.call('GET', '/findings', { token: h.tokens.scim })).statusCode).toBe(403);
  });
});
