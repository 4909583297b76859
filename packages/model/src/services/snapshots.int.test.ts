import { describe, expect, it } from 'vitest';
import { Snapshot } from '../entities/snapshot.js';
import { ValidationError } from '../errors.js';
import { sha256Hex, snapshotContentText } from '../hashing/snapshot-hash.js';
import { normaliseSnapshotUsers, type SnapshotUserInput } from '../snapshots/snapshot-user.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { acme, at, tenant, users } from '../test/fixtures.js';
import { statementsOf } from '../test/snapshot-reads.js';
import type { SnapshotRecord } from './snapshots.js';

describe.each(testDrivers)('snapshots on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;

  it('records a chain of snapshots with hashes, diffs and the connection last sync', async () => {
    const first = await db().snapshots.record(
      acme,
      tenant,
      users(['u1', 'ADMIN'], ['u2', 'STANDARD']),
      at('2026-11-01T00:00:00Z'),
    );
    expect(first).toMatchObject({
      sequence: 1,
      previousHash: null,
      previousId: null,
      userCount: 2,
      tenantName: 'Acme Ltd',
      connection: acme,
    });
    expect(first.diff.joiners.map((u) => u.userId)).toEqual(['u1', 'u2']);
    expect(first.contentHash).toBe(sha256Hex(await db().snapshots.contentText(first.id)));

    const second = await db().snapshots.record(
      acme,
      tenant,
      users(['u2', 'ADMIN'], ['u3', 'STANDARD']),
      at('2026-11-01T01:00:00Z'),
    );
    expect(second).toMatchObject({
      sequence: 2,
      previousHash: first.chainHash,
      previousId: first.id,
    });
    expect(second.diff).toEqual({
      joiners: [{ userId: 'u3', email: 'u3@acme.test', organisationRole: 'STANDARD' }],
      leavers: [{ userId: 'u1', email: 'u1@acme.test', organisationRole: 'ADMIN' }],
      roleChanges: [{ userId: 'u2', email: 'u2@acme.test', from: 'STANDARD', to: 'ADMIN' }],
    });
    expect((await db().connections.get(acme))?.lastSyncAt).toEqual(at('2026-11-01T01:00:00Z'));
  });

  it('records an unchanged sync as a new snapshot sharing the same content hash, with an empty diff', async () => {
    const before = await db().snapshots.latest(acme, tenant.tenantId);
    const again = await db().snapshots.record(
      acme,
      tenant,
      users(['u3', 'STANDARD'], ['u2', 'ADMIN']),
      at('2026-11-01T02:00:00Z'),
    );
    expect(again.sequence).toBe(before!.sequence + 1);
    expect(again.contentHash).toBe(before!.contentHash);
    expect(again.chainHash).not.toBe(before!.chainHash);
    expect(again.diff).toEqual({ joiners: [], leavers: [], roleChanges: [] });
  });

  it('returns the latest snapshot, its users, and a diff between any two snapshots', async () => {
    const latest = await db().snapshots.latest(acme, tenant.tenantId);
    expect(latest?.sequence).toBe(3);
    expect(
      (await db().snapshots.users(latest!.id)).map((u) => [
        u.userId,
        u.organisationRole,
        u.twoFactorEnabled,
      ]),
    ).toEqual([
      ['u2', 'ADMIN', null],
      ['u3', 'STANDARD', null],
    ]);
    const page = await db().snapshots.list(acme, { tenantId: tenant.tenantId });
    const first = page.items.at(-1)!;
    expect((await db().snapshots.diff(first.id, latest!.id)).diff).toMatchObject({
      joiners: [{ userId: 'u3' }],
      leavers: [{ userId: 'u1' }],
    });
    expect(await db().snapshots.latest(acme, 'other-tenant')).toBeNull();
  });

  it('pages snapshots newest first with a cursor', async () => {
    const one = await db().snapshots.list(acme, { limit: 2 });
    expect(one.items.map((s) => s.sequence)).toEqual([3, 2]);
    const two = await db().snapshots.list(acme, { limit: 2, cursor: one.nextCursor });
    expect(two.items.map((s) => s.sequence)).toEqual([1]);
    expect(two.nextCursor).toBeNull();
  });

  it('keeps a separate chain per tenant', async () => {
    const other = await db().snapshots.record(
      acme,
      { tenantId: 't2', tenantName: 'Acme Pty' },
      users(['x', 'STANDARD']),
      at('2026-11-01T00:30:00Z'),
    );
    expect(other).toMatchObject({ sequence: 1, previousHash: null });
  });

  describe('access: a user listed as REMOVED has none', () => {
    const c = { namespace: 'finance', name: 'offboarding' };
    const snapshotsOf = async () => (await db().snapshots.list(c)).items.toReversed();

    it('counts a move into REMOVED as a leaver, out of it as a joiner, and users with access apart', async () => {
      const first = await db().snapshots.record(
        c,
        tenant,
        users(['ann', 'STANDARD'], ['ben', 'STANDARD'], ['old', 'REMOVED']),
        at('2026-11-01T00:00:00Z'),
      );
      expect(first).toMatchObject({ userCount: 3, activeUserCount: 2 });
      expect(first.diff).toMatchObject({ joiners: [{ userId: 'ann' }, { userId: 'ben' }] });
      expect(first.diff.leavers).toEqual([]);
      const second = await db().snapshots.record(
        c,
        tenant,
        users(['ann', 'REMOVED'], ['ben', 'READONLY'], ['old', 'STANDARD']),
        at('2026-11-02T00:00:00Z'),
      );
      const changes = {
        joiners: [{ userId: 'old', email: 'old@acme.test', organisationRole: 'STANDARD' }],
        leavers: [{ userId: 'ann', email: 'ann@acme.test', organisationRole: 'STANDARD' }],
        roleChanges: [{ userId: 'ben', email: 'ben@acme.test', from: 'STANDARD', to: 'READONLY' }],
      };
      expect(second).toMatchObject({ userCount: 3, activeUserCount: 2, diff: changes });
      // Read back, listed and diffed alike.
      expect(await db().snapshots.get(second.id)).toMatchObject({
        activeUserCount: 2,
        diff: changes,
      });
      expect(await db().snapshots.latest(c, tenant.tenantId)).toMatchObject({ activeUserCount: 2 });
      expect(
        (await snapshotsOf()).map((s) => [s.sequence, s.userCount, s.activeUserCount]),
      ).toEqual([
        [1, 3, 2],
        [2, 3, 2],
      ]);
      expect(await db().snapshots.diff(first.id, second.id)).toEqual({
        from: { id: first.id, takenAt: at('2026-11-01T00:00:00Z') },
        to: { id: second.id, takenAt: at('2026-11-02T00:00:00Z') },
        diff: changes,
      });
    });

    it('diffs only from an older to a later snapshot of one connection and tenant, naming the field', async () => {
      const [first, second] = await snapshotsOf();
      await expect(db().snapshots.diff(second!.id, first!.id)).rejects.toThrow(
        /^from: must be older than to \(from is snapshot 2 of finance\/offboarding tenant .*, to is snapshot 1\)$/,
      );
      await expect(db().snapshots.diff(first!.id, first!.id)).rejects.toThrow(ValidationError);
      const elsewhere = await db().snapshots.latest(acme, tenant.tenantId);
      await expect(db().snapshots.diff(first!.id, elsewhere!.id)).rejects.toThrow(
        /^to: is a snapshot of finance\/acme tenant 1111.*, from of finance\/offboarding tenant 1111.*: both must be of one connection and tenant$/,
      );
      const otherTenant = await db().snapshots.latest(acme, 't2');
      await expect(db().snapshots.diff(elsewhere!.id, otherTenant!.id)).rejects.toThrow(
        /^to: is a snapshot of finance\/acme tenant t2, /,
      );
    });

    it('reads activeUserCount as stored with the snapshot, without parsing its users', async () => {
      const [, second] = await snapshotsOf();
      // A count no parse of the users gives: get, latest and list must answer the stored one.
      await t.model.orm.em
        .fork()
        .nativeUpdate(Snapshot, { id: second!.id }, { activeUserCount: 7 });
      expect((await db().snapshots.get(second!.id))?.activeUserCount).toBe(7);
      expect((await db().snapshots.latest(c, tenant.tenantId))?.activeUserCount).toBe(7);
      expect((await snapshotsOf()).map((s) => s.activeUserCount)).toEqual([2, 7]);
    });
  });

  // After a failover to a replica whose clock is behind the one that recorded the last snapshot.
  it('records a snapshot taken before the tenant previous one 1 ms after it, in a valid chain', async () => {
    const c = { namespace: 'finance', name: 'clock-behind' };
    const first = await db().snapshots.record(c, tenant, users(), at('2026-12-01T10:00:30Z'));
    const behind = await db().snapshots.record(c, tenant, users(), at('2026-12-01T10:00:10Z'));
    expect(behind.sequence).toBe(2);
    expect(behind.takenAt).toEqual(at('2026-12-01T10:00:30.001Z'));
    // The same instant as the previous one moves forward too; a later one is kept as given.
    const same = await db().snapshots.record(c, tenant, users(), at('2026-12-01T10:00:30.001Z'));
    expect(same.takenAt).toEqual(at('2026-12-01T10:00:30.002Z'));
    const later = await db().snapshots.record(c, tenant, users(), at('2026-12-01T10:01:00Z'));
    expect(later.takenAt).toEqual(at('2026-12-01T10:01:00Z'));
    expect((await db().snapshots.get(behind.id))?.takenAt).toEqual(behind.takenAt);
    expect(first.takenAt).toEqual(at('2026-12-01T10:00:30Z'));
    // The chain hashes cover the takenAt recorded.
    expect(await db().snapshots.verifyChain(c, tenant.tenantId)).toMatchObject({
      ok: true,
      length: 4,
      headHash: later.chainHash,
    });
  });

  // A replica whose clock ran an hour ahead recorded the last one: which clock is wrong is unknown.
  it('refuses a snapshot taken more than 5 minutes before the tenant previous one, naming the gap', async () => {
    const c = { namespace: 'finance', name: 'clock-far-behind' };
    await db().snapshots.record(c, tenant, users(), at('2026-12-01T11:00:00Z'));
    await expect(
      db().snapshots.record(c, tenant, users(), at('2026-12-01T10:00:00Z')),
    ).rejects.toMatchObject({
      field: 'takenAt',
      message: expect.stringContaining('is 3600 s before the tenant'),
    });
    const within = await db().snapshots.record(c, tenant, users(), at('2026-12-01T10:55:00Z'));
    expect(within.takenAt).toEqual(at('2026-12-01T11:00:00.001Z'));
    expect(within.sequence).toBe(2);
  });

  it('serialises concurrent writers of one chain (no fork, no gap)', async () => {
    const c = { namespace: 'finance', name: 'race' };
    // Open every pooled connection first, so the writers really overlap.
    await Promise.all(
      Array.from({ length: 4 }, () => t.model.orm.em.getConnection().execute('select 1')),
    );
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        db().snapshots.record(c, tenant, users([`r${i}`, 'STANDARD']), at('2026-11-02T00:00:00Z')),
      ),
    );
    expect(results.map((r) => r.sequence).sort()).toEqual([1, 2, 3, 4]);
    expect(await db().snapshots.verifyChain(c, tenant.tenantId)).toMatchObject({
      ok: true,
      length: 4,
    });
  });

  it('verifies a chain longer than one read batch (200) and pinpoints a break deep inside it', async () => {
    const long = { namespace: 'finance', name: 'long' };
    for (let i = 0; i < 205; i++) {
      await db().snapshots.record(
        long,
        tenant,
        users([`u${i % 3}`, 'STANDARD']),
        new Date(Date.UTC(2026, 0, 1, 0, i)),
      );
    }
    expect(await db().snapshots.verifyChain(long, tenant.tenantId)).toMatchObject({
      ok: true,
      length: 205,
    });
    // Deleting a link is refused by the foreign key from its successor; editing one is detected.
    const conn = t.model.orm.em.getConnection();
    const longId = `(select id from connection where name = 'long')`;
    await expect(
      conn.execute(`delete from snapshot where sequence = 202 and connection_id = ${longId}`),
    ).rejects.toThrow();
    await conn.execute(
      `update snapshot set tenant_name = 'Evil' where sequence = 203 and connection_id = ${longId}`,
    );
    const broken = await db().snapshots.verifyChain(long, tenant.tenantId);
    expect(broken.problems.map((p) => [p.sequence, p.problem])).toEqual([
      [203, 'chain-hash-mismatch'],
    ]);
  });

  it('verifies an intact chain and detects a tampered snapshot in the database', async () => {
    const good = await db().snapshots.verifyChain(acme, tenant.tenantId);
    expect(good).toMatchObject({ ok: true, length: 3, problems: [] });
    expect(good.headHash).toBe((await db().snapshots.latest(acme, tenant.tenantId))!.chainHash);

    // An attacker with SQL access edits the first snapshot's tenant name.
    const conn = t.model.orm.em.getConnection();
    await conn.execute(
      `update snapshot set tenant_name = 'Evil Ltd' where sequence = 1 and tenant_id = ?`,
      [tenant.tenantId],
    );
    const bad = await db().snapshots.verifyChain(acme, tenant.tenantId);
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual([
      expect.objectContaining({ sequence: 1, problem: 'chain-hash-mismatch' }),
    ]);
  });

  describe('what recording sends to the database', () => {
    const c = { namespace: 'finance', name: 'sent' };
    // Characters SQL quoting, placeholders and UTF-8 could get wrong.
    const tricky = `it's "x" \\ ? ?? $1 :name \n\t\u2028 é e\u0301 😀 例え`;
    const usersWith = (marker: string, role = 'STANDARD'): SnapshotUserInput[] => [
      {
        userId: 'a',
        email: 'a@acme.test',
        firstName: marker,
        lastName: tricky,
        organisationRole: role,
      },
      { userId: 'b', email: null, firstName: `${marker} b`, organisationRole: 'ADVISER' },
    ];
    const sqlOf = (q: { sql: string }) => q.sql.toLowerCase();

    const contentInserts = <T extends { sql: string }>(sent: T[]) =>
      sent.filter((q) => /insert into .?snapshot_content/.test(sqlOf(q)));
    const mentions = (sent: { sql: string; bindings: unknown[] }[], marker: string) =>
      sent.filter(
        (q) => q.sql.includes(marker) || q.bindings.some((b) => String(b).includes(marker)),
      );

    it('sends new users once, as a bound parameter, and reads them back byte for byte', async () => {
      const input = usersWith('marker-new');
      let recorded: SnapshotRecord | undefined;
      const sent = await statementsOf(t.model, async () => {
        recorded = await db().snapshots.record(c, tenant, input, at('2026-11-05T00:00:00Z'));
      });
      const expected = snapshotContentText(normaliseSnapshotUsers(input));
      const [insert, ...more] = contentInserts(sent);
      expect(more).toEqual([]);
      expect(insert!.sql).not.toContain('marker-new');
      expect(insert!.bindings).toContain(expected);
      expect(mentions(sent, 'marker-new')).toEqual([insert]);

      const text = await db().snapshots.contentText(recorded!.id);
      expect(text).toBe(expected);
      expect(sha256Hex(text)).toBe(recorded!.contentHash);
      expect(await db().snapshots.users(recorded!.id)).toEqual(normaliseSnapshotUsers(input));
      expect(await db().snapshots.verifyChain(c, tenant.tenantId)).toMatchObject({ ok: true });
    });

    it('sends nothing of unchanged users, nor of users a content row holds already', async () => {
      const unchanged = await statementsOf(t.model, () =>
        db().snapshots.record(c, tenant, usersWith('marker-new'), at('2026-11-05T01:00:00Z')),
      );
      expect(contentInserts(unchanged)).toEqual([]);
      expect(mentions(unchanged, 'marker-new')).toEqual([]);

      // Changed, then back: the second change's users are stored already (the first snapshot's).
      await db().snapshots.record(
        c,
        tenant,
        usersWith('marker-new', 'ADMIN'),
        at('2026-11-05T02:00:00Z'),
      );
      let back: SnapshotRecord | undefined;
      const returned = await statementsOf(t.model, async () => {
        back = await db().snapshots.record(
          c,
          tenant,
          usersWith('marker-new'),
          at('2026-11-05T03:00:00Z'),
        );
      });
      expect(contentInserts(returned)).toEqual([]);
      expect(mentions(returned, 'marker-new')).toEqual([]);
      expect(back!.diff.roleChanges).toEqual([
        { userId: 'a', email: 'a@acme.test', from: 'ADMIN', to: 'STANDARD' },
      ]);
      const chain = (await db().snapshots.list(c)).items;
      expect(chain.map((x) => x.contentHash)).toEqual([
        back!.contentHash,
        expect.not.stringMatching(back!.contentHash),
        back!.contentHash,
        back!.contentHash,
      ]);
      expect(await db().snapshots.verifyChain(c, tenant.tenantId)).toMatchObject({
        ok: true,
        length: 4,
      });
    });
  });

  it('validates users and tenant, naming the field', async () => {
    await expect(
      db().snapshots.record(
        acme,
        tenant,
        [{ userId: '', organisationRole: 'X' }],
        at('2026-12-01T00:00:00Z'),
      ),
    ).rejects.toThrow(/^users\.0\.userId: /);
    await expect(
      db().snapshots.record(
        acme,
        { tenantId: '', tenantName: 'x' },
        [],
        at('2026-12-01T00:00:00Z'),
      ),
    ).rejects.toThrow(/^tenant\.tenantId: /);
    await expect(
      db().snapshots.record(
        { namespace: 'Bad NS', name: 'x' },
        tenant,
        [],
        at('2026-12-01T00:00:00Z'),
      ),
    ).rejects.toThrow(/^connection\.namespace: /);
  });
});
