import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION, TENANT, seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

/**
 * Xero keeps a removed user, listed with role REMOVED: snapshots, their diffs and their counts
 * speak of who can get in, the offboarding evidence an auditor looks for under leavers.
 */
describe.each(DIALECTS)('access changes between snapshots on $dialect', ({ dialect }) => {
  let h: Harness;
  let seeded: Awaited<ReturnType<typeof seedAcme>>;
  let third: string;
  let fourth: string;
  beforeAll(async () => {
    h = await startHarness(dialect);
    seeded = await seedAcme(h.model);
    const users = await h.model.db.snapshots.users(seeded.second.id);
    const withRole = (userId: string, organisationRole: string) =>
      users.map((u) => (u.userId === userId ? { ...u, organisationRole } : u));
    // Jack is removed in Xero (kept, as REMOVED), then invited back.
    third = (
      await h.model.db.snapshots.record(
        CONNECTION,
        TENANT,
        withRole('u-jack', 'REMOVED'),
        new Date('2026-11-22T00:00:00Z'),
      )
    ).id;
    fourth = (
      await h.model.db.snapshots.record(
        CONNECTION,
        TENANT,
        withRole('u-jack', 'READONLY'),
        new Date('2026-11-23T00:00:00Z'),
      )
    ).id;
  });
  afterAll(async () => h?.close());

  const get = (url: string) => h.call('GET', url, { token: h.tokens.viewer });
  const jack = { userId: 'u-jack', email: 'jack.taylor@gmail.example' };

  it('lists a user turning REMOVED under leavers and one leaving REMOVED under joiners', async () => {
    const removed = (await get(`/snapshots/diff?from=${seeded.second.id}&to=${third}`)).json();
    expect(removed.diff).toEqual({
      joiners: [],
      leavers: [{ ...jack, organisationRole: 'STANDARD' }],
      roleChanges: [],
    });
    const back = (await get(`/snapshots/diff?from=${third}&to=${fourth}`)).json();
    expect(back.diff).toEqual({
      joiners: [{ ...jack, organisationRole: 'READONLY' }],
      leavers: [],
      roleChanges: [],
    });
    // Each snapshot's own diff says the same.
    expect((await get(`/snapshots/${third}`)).json().diff).toEqual(removed.diff);
    const list = (await get('/snapshots?connection=finance/acme')).json();
    expect(list.items[0].diff).toEqual(back.diff);
  });

  it('counts every listed user in userCount, those who can get in in activeUserCount, as a review does', async () => {
    const snapshot = (await get(`/snapshots/${third}`)).json();
    expect(snapshot).toMatchObject({ userCount: 4, activeUserCount: 3 });
    expect(snapshot.users).toHaveLength(4);
    const list = (await get('/snapshots?connection=finance/acme')).json();
    expect(
      list.items.map((s: { sequence: number; userCount: number; activeUserCount: number }) => [
        s.sequence,
        s.userCount,
        s.activeUserCount,
      ]),
    ).toEqual([
      [4, 4, 4],
      [3, 4, 3],
      [2, 4, 4],
      [1, 3, 3],
    ]);
    // A review of the snapshot Jack is REMOVED in covers the users its activeUserCount counts.
    await h.model.db.snapshots.record(
      CONNECTION,
      TENANT,
      await h.model.db.snapshots.users(third),
      new Date('2026-11-24T00:00:00Z'),
    );
    const review = await h.call('POST', '/reviews', {
      token: h.tokens.reviewer,
      body: { connection: 'finance/acme', tenantId: TENANT.tenantId, title: 'after Jack' },
    });
    expect(review.json().progress.total).toBe(snapshot.activeUserCount);
  });

  it('refuses a diff that does not go from an older to a later snapshot of one tenant, naming the field', async () => {
    const refusal = async (from: string, to: string) => {
      const response = await get(`/snapshots/diff?from=${from}&to=${to}`);
      expect(response.statusCode).toBe(400);
      return response.json() as { field: string; message: string };
    };
    expect(await refusal(third, seeded.second.id)).toMatchObject({
      field: 'query.from',
      message:
        'query.from: must be older than to (from is snapshot 3 of finance/acme tenant tenant-acme, to is snapshot 2)',
    });
    expect((await refusal(third, third)).field).toBe('query.from');
    const otherTenant = await h.model.db.snapshots.record(
      CONNECTION,
      { tenantId: 'tenant-acme-nz', tenantName: 'Acme NZ' },
      [],
      new Date('2026-11-25T00:00:00Z'),
    );
    const otherConnection = await h.model.db.snapshots.record(
      { namespace: 'finance', name: 'beta' },
      TENANT,
      [],
      new Date('2026-11-25T00:00:00Z'),
    );
    expect(await refusal(seeded.first.id, otherTenant.id)).toMatchObject({
      field: 'query.to',
      message:
        'query.to: is a snapshot of finance/acme tenant tenant-acme-nz, from of finance/acme tenant tenant-acme: both must be of one connection and tenant',
    });
    expect((await refusal(seeded.first.id, otherConnection.id)).message).toMatch(
      /^query\.to: is a snapshot of finance\/beta tenant tenant-acme, /,
    );
    // An unknown snapshot is still a 404.
    expect(
      (await get(`/snapshots/diff?from=${seeded.first.id}&to=00000000-0000-7000-8000-000000000000`))
        .statusCode,
    ).toBe(404);
  });
});
