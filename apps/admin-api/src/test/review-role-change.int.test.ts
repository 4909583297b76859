import { XERO_ROLES } from '@xero-access/crd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION, TENANT, seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

/**
 * A change-role decision is remediated when a later snapshot shows the user holding `newRole`:
 * it must be a role Xero can report, and not the one the user holds already.
 */
describe.each(DIALECTS)('change-role decisions on $dialect', ({ dialect }) => {
  let h: Harness;
  let seeded: Awaited<ReturnType<typeof seedAcme>>;
  let reviewId: string;
  let ritas: string;
  beforeAll(async () => {
    h = await startHarness(dialect);
    seeded = await seedAcme(h.model);
    ({ token: ritas } = await h.model.db.tokens.create({
      name: 'rita-reviews',
      role: 'reviewer',
      ownerEmail: 'rita@acme.example',
    }));
    const created = await h.call('POST', '/reviews', {
      token: h.tokens.reviewer,
      body: { connection: 'finance/acme', tenantId: TENANT.tenantId, title: 'roles' },
    });
    expect(created.statusCode, created.body).toBe(201);
    reviewId = created.json().id;
  });
  afterAll(async () => h?.close());

  const changeRole = (userId: string, newRole: string) =>
    h.call('PUT', `/reviews/${reviewId}/items/${userId}`, {
      token: ritas,
      body: { decision: 'change-role', newRole },
    });
  const item = async (userId: string) =>
    (
      (await h.call('GET', `/reviews/${reviewId}/items`, { token: h.tokens.viewer })).json()
        .items as { userId: string; decision: string | null; remediatedAt: string | null }[]
    ).find((i) => i.userId === userId);

  it.each(['readonly', 'ADMIN', 'REMOVED', 'UNKNOWN'])(
    'refuses newRole %j, naming body.newRole and the roles Xero has',
    async (newRole) => {
      const refused = await changeRole('u-olivia', newRole);
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({
        field: 'body.newRole',
        message: expect.stringContaining(XERO_ROLES.join('"|"')),
      });
      expect((await item('u-olivia'))?.decision).toBeNull();
    },
  );

  it('refuses the role the user holds in the reviewed snapshot (it would be "remediated" at once)', async () => {
    // Emma is STANDARD in the reviewed (second) snapshot.
    const refused = await changeRole('u-emma', 'STANDARD');
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      field: 'body.newRole',
      message:
        'body.newRole: is the role the user holds already (STANDARD); decide keep, or name another role',
    });
    expect((await item('u-emma'))?.decision).toBeNull();
  });

  it('records a change to another role, remediated only by a snapshot showing it', async () => {
    expect((await changeRole('u-emma', 'READONLY')).statusCode).toBe(200);
    const users = await h.model.db.snapshots.users(seeded.second.id);
    // Syncs after the decision (one taken before it would not count).
    await h.model.db.snapshots.record(CONNECTION, TENANT, users, new Date());
    expect((await item('u-emma'))?.remediatedAt).toBeNull();
    const shown = new Date();
    await h.model.db.snapshots.record(
      CONNECTION,
      TENANT,
      users.map((u) => (u.userId === 'u-emma' ? { ...u, organisationRole: 'READONLY' } : u)),
      shown,
    );
    expect((await item('u-emma'))?.remediatedAt).toBe(shown.toISOString());
  });
});
