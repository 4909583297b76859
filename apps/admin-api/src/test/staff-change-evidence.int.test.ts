import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_PATCH, SCIM_USER } from '../scim/scim.types.js';
import { seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

interface AuditItem {
  action: string;
  actor: string;
  resourceType: string;
  resourceId: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
}

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

/**
 * A leaving date is never dropped, and a change that overwrites evidence (a leaving date, a
 * status, the person a Xero user is linked to) leaves the previous value in the audit log, so a
 * finding it resolves can be told from real remediation.
 */
describe.each(DIALECTS)('staff and link changes keep their evidence on $dialect', ({ dialect }) => {
  let h: Harness;
  const admin = (method: string, url: string, body?: unknown) =>
    h.call(method, url, { token: h.tokens.admin, body });
  const importCsv = (csv: string) =>
    h.call('POST', '/staff/import', {
      token: h.tokens.admin,
      rawBody: csv,
      headers: { 'content-type': 'text/csv' },
    });
  const scim = (method: string, url: string, body?: unknown) =>
    h.call(method, url, {
      token: h.tokens.scim,
      body,
      headers: body ? { 'content-type': 'application/scim+json' } : {},
    });
  const audit = async (query: string) =>
    (await admin('GET', `/audit-log?${query}`)).json().items as AuditItem[];
  const byEmail = async (email: string) =>
    (await admin('GET', `/staff?email=${encodeURIComponent(email)}`)).json().items[0];

  beforeAll(async () => {
    h = await startHarness(dialect);
    await seedAcme(h.model);
  });
  afterAll(async () => h?.close());

  const emmaLeft = daysAgo(5);
  let emmaId: string;

  it('an HR export with email,name,offboardedAt offboards an active member, once; with status active it is refused, naming the line', async () => {
    const hired = await admin('POST', '/staff', {
      email: 'emma.brown@acme.example',
      name: 'Emma Brown',
    });
    emmaId = hired.json().id;
    const csv = `email,name,offboardedAt\r\nemma.brown@acme.example,Emma Brown,${emmaLeft}\r\n`;
    const imported = await importCsv(csv);
    expect(imported.statusCode).toBe(200);
    expect(imported.json()).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    expect(await byEmail('emma.brown@acme.example')).toMatchObject({
      status: 'offboarded',
      offboardedAt: emmaLeft,
    });
    expect((await importCsv(csv)).json()).toMatchObject({ updated: 0, unchanged: 1 });
    const [entry, ...more] = await audit(`action=staff.update&resourceId=${emmaId}`);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actor: 'token:test-admin',
      resourceType: 'staff',
      details: {
        previous: { status: 'active', offboardedAt: null },
        next: { status: 'offboarded', offboardedAt: emmaLeft },
      },
    });

    const contradictory = await importCsv(
      `email,name,status,offboardedAt\r\nnew.hire@acme.example,New Hire,,\r\nliam.patel@acme.example,Liam Patel,active,${emmaLeft}\r\n`,
    );
    expect(contradictory.statusCode).toBe(400);
    expect(contradictory.json()).toMatchObject({ field: 'body.line 3.offboardedAt' });
    expect(contradictory.json().message).toMatch(
      /^body\.line 3\.offboardedAt: .* given with status active: a leaving date means the person has left/,
    );
    const json = await admin('POST', '/staff/import', [
      {
        email: 'liam.patel@acme.example',
        name: 'Liam Patel',
        status: 'active',
        offboardedAt: emmaLeft,
      },
    ]);
    expect(json.json()).toMatchObject({ statusCode: 400, field: 'body.0.offboardedAt' });
    expect(await byEmail('new.hire@acme.example')).toBeUndefined();
    expect(await byEmail('liam.patel@acme.example')).toBeUndefined();
  });

  it('POST /staff with only a leaving date adds a leaver; with status active it is a 400 naming body.offboardedAt', async () => {
    const when = daysAgo(2);
    const leaver = await admin('POST', '/staff', {
      email: 'jack.taylor@acme.example',
      name: 'Jack Taylor',
      offboardedAt: when,
    });
    expect(leaver.statusCode).toBe(201);
    expect(leaver.json()).toMatchObject({ status: 'offboarded', offboardedAt: when });
    const refused = await admin('POST', '/staff', {
      email: 'olivia.chen@acme.example',
      name: 'Olivia Chen',
      status: 'active',
      offboardedAt: daysAgo(2),
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ field: 'body.offboardedAt' });
    expect(await byEmail('olivia.chen@acme.example')).toBeUndefined();
  });

  it('PATCH /staff/{id} moving a leaving date records the previous one, in the request that made it', async () => {
    const moved = daysAgo(0.5);
    const patched = await admin('PATCH', `/staff/${emmaId}`, { offboardedAt: moved });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ status: 'offboarded', offboardedAt: moved });
    const [entry] = await audit(`action=staff.update&resourceId=${emmaId}&limit=1`);
    expect(entry?.details).toEqual({
      previous: { offboardedAt: emmaLeft },
      next: { offboardedAt: moved },
    });
    const [request] = await audit(
      `action=${encodeURIComponent('PATCH /staff/:id')}&resourceId=${emmaId}&limit=1`,
    );
    expect(request).toBeDefined();
    expect(entry?.requestId).toBe(request?.requestId);

    const refused = await admin('PATCH', `/staff/${emmaId}`, {
      status: 'active',
      offboardedAt: moved,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ field: 'body.offboardedAt' });
    // A rename overwrites no evidence: no entry.
    await admin('PATCH', `/staff/${emmaId}`, { name: 'Emma B. Brown' });
    expect(await audit(`action=staff.update&resourceId=${emmaId}`)).toHaveLength(2);
  });

  it('PATCH /staff/{id} with a leaving date offboards an active member', async () => {
    const liam = await admin('POST', '/staff', {
      email: 'liam.patel@acme.example',
      name: 'Liam Patel',
    });
    const when = daysAgo(1);
    const patched = await admin('PATCH', `/staff/${liam.json().id}`, { offboardedAt: when });
    expect(patched.json()).toMatchObject({ status: 'offboarded', offboardedAt: when });
  });

  it("PATCH /staff/{id} clearing a leaver's offboardedAt is refused, naming the field; reactivating clears it", async () => {
    const liam = await byEmail('liam.patel@acme.example');
    const left = liam.offboardedAt as string;
    expect(liam).toMatchObject({ status: 'offboarded' });
    const changes = async () => audit(`action=staff.update&resourceId=${liam.id}`);
    const changesBefore = (await changes()).length;
    for (const body of [{ offboardedAt: null }, { status: 'offboarded', offboardedAt: null }]) {
      const refused = await admin('PATCH', `/staff/${liam.id}`, body);
      expect(refused.statusCode, JSON.stringify(body)).toBe(400);
      expect(refused.json()).toMatchObject({
        field: 'body.offboardedAt',
        message: `body.offboardedAt: cannot be cleared while the member is offboarded: it records when they left (${left}), and offboarded-access-removed counts the grace period from it; give the time they left instead, or set status active to reinstate them (which clears it)`,
      });
    }
    expect(await byEmail('liam.patel@acme.example')).toMatchObject({
      status: 'offboarded',
      offboardedAt: left,
    });
    expect(await changes()).toHaveLength(changesBefore);

    const reinstated = await admin('PATCH', `/staff/${liam.id}`, {
      status: 'active',
      offboardedAt: null,
    });
    expect(reinstated.statusCode).toBe(200);
    expect(reinstated.json()).toMatchObject({ status: 'active', offboardedAt: null });
    const [entry] = await changes();
    expect(entry?.details).toEqual({
      previous: { status: 'offboarded', offboardedAt: left },
      next: { status: 'active', offboardedAt: null },
    });
  });

  it('re-pointing and deleting a link record whom it tied the Xero user to', async () => {
    expect((await admin('PUT', '/links/u-emma', { staffId: emmaId })).statusCode).toBe(200);
    const other = await byEmail('liam.patel@acme.example');
    expect((await admin('PUT', '/links/U-EMMA', { staffId: other.id })).statusCode).toBe(200);
    expect((await admin('DELETE', '/links/u-emma')).statusCode).toBe(200);
    const entries = (await audit('resourceType=links&resourceId=u-emma')).filter((e) =>
      e.action.startsWith('link.'),
    );
    expect(entries).toEqual([
      expect.objectContaining({
        action: 'link.delete',
        actor: 'token:test-admin',
        details: { previous: { staffId: other.id, nonHuman: false, justification: null } },
      }),
      expect.objectContaining({
        action: 'link.replace',
        details: {
          previous: { staffId: emmaId, nonHuman: false, justification: null },
          next: { staffId: other.id, nonHuman: false, justification: null },
        },
      }),
    ]);
  });

  it('a SCIM PUT or PATCH that changes active records the previous status and date', async () => {
    const user = {
      schemas: [SCIM_USER],
      userName: 'noah.williams@acme.example',
      displayName: 'Noah Williams',
    };
    const id = (await scim('POST', '/scim/v2/Users', user)).json().id as string;
    expect((await scim('PUT', `/scim/v2/Users/${id}`, { ...user, active: false })).statusCode).toBe(
      200,
    );
    const left = (await admin('GET', `/staff/${id}`)).json().offboardedAt as string;
    const patched = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: [SCIM_PATCH],
      Operations: [{ op: 'replace', value: { active: true } }],
    });
    expect(patched.statusCode).toBe(200);
    const [reactivated, deactivated, ...more] = await audit(`action=staff.update&resourceId=${id}`);
    expect(more).toEqual([]);
    expect(deactivated).toMatchObject({
      actor: 'token:test-scim',
      details: {
        previous: { status: 'active', offboardedAt: null },
        next: { status: 'offboarded', offboardedAt: left },
      },
    });
    expect(reactivated).toMatchObject({
      actor: 'token:test-scim',
      details: {
        previous: { status: 'offboarded', offboardedAt: left },
        next: { status: 'active', offboardedAt: null },
      },
    });
  });
});
