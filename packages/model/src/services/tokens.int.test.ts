import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors.js';
import { testDrivers, useTestModel } from '../test/drivers.js';
import { at } from '../test/fixtures.js';
import { untilWaitingForLocks } from '../test/lock-waits.js';
import type { AuditActor } from './audit.js';
import { encodeCursor } from './pagination.js';

const by: AuditActor = { actor: 'system:bootstrap' };

describe.each(testDrivers)('API tokens on $dialect', (driver) => {
  const t = useTestModel(driver);
  const db = () => t.model.db;

  it('stores only the hash and verifies the plaintext once', async () => {
    const { token, record } = await db().tokens.create(
      { name: 'ci', role: 'viewer', createdBy: 'admin' },
      at('2026-11-01T00:00:00Z'),
    );
    expect(token).toMatch(/^xao_[A-Za-z0-9_-]{43}$/);
    expect(record.prefix).toBe(token.slice(0, 12));
    const stored = await t.model.orm.em.getConnection().execute('select * from api_token');
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(await db().tokens.verify(token, at('2026-11-01T00:01:00Z'))).toMatchObject({
      name: 'ci',
      role: 'viewer',
      lastUsedAt: at('2026-11-01T00:01:00Z'),
    });
    expect(await db().tokens.verify(`${token}x`)).toBeNull();
    expect(await db().tokens.verify('short')).toBeNull();
  });

  it('refuses expired and revoked tokens', async () => {
    const { token, record } = await db().tokens.create(
      { name: 'temp', role: 'admin', expiresAt: at('2026-11-02T00:00:00Z') },
      at('2026-11-01T00:00:00Z'),
    );
    expect(await db().tokens.verify(token, at('2026-11-01T12:00:00Z'))).not.toBeNull();
    expect(await db().tokens.verify(token, at('2026-11-02T00:00:00Z'))).toBeNull();
    const { token: other, record: otherRecord } = await db().tokens.create({
      name: 'revoked',
      role: 'reviewer',
    });
    await db().tokens.revoke(otherRecord.id);
    expect(await db().tokens.verify(other)).toBeNull();
    expect(record.expiresAt).toEqual(at('2026-11-02T00:00:00Z'));
  });

  it('ensures a bootstrap token idempotently and rotates its secret', async () => {
    const secret = 'b'.repeat(40);
    const first = await db().tokens.ensure({ name: 'bootstrap', role: 'admin', token: secret, by });
    const again = await db().tokens.ensure({ name: 'bootstrap', role: 'admin', token: secret, by });
    expect(again.id).toBe(first.id);
    expect(await db().tokens.verify(secret)).toMatchObject({ name: 'bootstrap' });
    await db().tokens.ensure({ name: 'bootstrap', role: 'scim', token: 'c'.repeat(40), by });
    expect(await db().tokens.verify(secret)).toBeNull();
    expect(await db().tokens.verify('c'.repeat(40))).toMatchObject({ role: 'scim' });
  });

  it('refuses duplicate names and bad input, naming the field', async () => {
    await expect(db().tokens.create({ name: 'ci', role: 'viewer' })).rejects.toThrow(ConflictError);
    await expect(db().tokens.create({ name: 'has space', role: 'viewer' })).rejects.toThrow(
      /^name: /,
    );
    await expect(db().tokens.create({ name: 'x', role: 'root' as 'admin' })).rejects.toThrow(
      /^role: /,
    );
    await expect(db().tokens.create({ name: 'x', role: 'admin', token: 'short' })).rejects.toThrow(
      /^token: /,
    );
    expect((await db().tokens.list()).items.map((r) => r.name)).toEqual([
      'bootstrap',
      'ci',
      'revoked',
      'temp',
    ]);
  });

  it('lists by name a page at a time, each token once, and refuses a foreign cursor', async () => {
    for (const name of ['z-last', 'a-first', 'm.middle', 'ci2', 'ci_3']) {
      await db().tokens.create({ name, role: 'viewer' });
    }
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await db().tokens.list({ limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      names.push(...page.items.map((r) => r.name));
      cursor = page.nextCursor;
    } while (cursor);
    const all = (await db().tokens.list({ limit: 500 })).items.map((r) => r.name);
    expect(all).toHaveLength(9);
    expect(names).toEqual(all);
    expect(await db().tokens.list({ limit: 9 })).toMatchObject({ nextCursor: null });

    await expect(db().tokens.list({ cursor: 'not-a-cursor' })).rejects.toThrow(/^cursor: /);
    const id = '0190f0d2-0000-7000-8000-000000000000';
    for (const foreign of [encodeCursor('staff', 'ci', id), encodeCursor('tokens', 1, id)])
      await expect(db().tokens.list({ cursor: foreign })).rejects.toThrow(/^cursor: /);
    await expect(db().tokens.list({ limit: 0 })).rejects.toThrow(/^limit: /);
  });

  it("keeps a personal token's owner as the directory keeps emails, and refuses a non-email", async () => {
    const { token, record } = await db().tokens.create({
      name: 'olivia-reviews',
      role: 'reviewer',
      ownerEmail: ' Olivia.Chen@ACME.example ',
    });
    expect(record.ownerEmail).toBe('olivia.chen@acme.example');
    expect((await db().tokens.verify(token))?.ownerEmail).toBe('olivia.chen@acme.example');
    const shared = await db().tokens.create({ name: 'shared-ci', role: 'viewer' });
    expect(shared.record.ownerEmail).toBeNull();
    await expect(
      db().tokens.create({ name: 'bad-owner', role: 'reviewer', ownerEmail: 'olivia' }),
    ).rejects.toThrow(/^ownerEmail: must be an email address/);
  });
});

describe.each(testDrivers)(
  'a bootstrap token whose secret another token holds on $dialect',
  (driver) => {
    const t = useTestModel(driver);

    it('is refused, naming the token, whether new or rotated', async () => {
      const db = t.model.db;
      const { token: taken } = await db.tokens.create({ name: 'ci', role: 'viewer' });
      const refused = db.tokens.ensure({ name: 'bootstrap-scim', role: 'scim', token: taken, by });
      await expect(refused).rejects.toThrow(ConflictError);
      await expect(refused).rejects.toThrow(
        'another API token holds the secret given for bootstrap-scim',
      );
      await db.tokens.ensure({ name: 'bootstrap-scim', role: 'scim', token: 'e'.repeat(40), by });
      await expect(
        db.tokens.ensure({ name: 'bootstrap-scim', role: 'scim', token: taken, by }),
      ).rejects.toThrow('another API token holds the secret given for bootstrap-scim');
      expect(await db.tokens.verify(taken)).toMatchObject({ name: 'ci', role: 'viewer' });
      expect(await db.tokens.verify('e'.repeat(40))).toMatchObject({ name: 'bootstrap-scim' });
    });
  },
);

describe.each(testDrivers)(
  'changes to API tokens made outside the HTTP API on $dialect',
  (driver) => {
    const t = useTestModel(driver);
    const entries = async () =>
      (await t.model.db.audit.list({ resourceType: 'tokens' })).items.reverse();
    const cli: AuditActor = { actor: 'cli:alice' };

    it('audits a create and a revoke in the change, naming the token but never its secret', async () => {
      const db = t.model.db;
      const { token, record } = await db.tokens.create({
        name: 'ci',
        role: 'reviewer',
        ownerEmail: 'Rita@acme.example',
        expiresAt: at('2030-01-01T00:00:00Z'),
        by: cli,
      });
      expect(record.createdBy).toBe('cli:alice');
      await db.tokens.revoke(record.id, cli);
      await db.tokens.revoke(record.id, cli); // already revoked: nothing changes, nothing is written
      const details = {
        name: 'ci',
        role: 'reviewer',
        ownerEmail: 'rita@acme.example',
        expiresAt: '2030-01-01T00:00:00.000Z',
      };
      const written = await entries();
      expect(written).toMatchObject([
        { actor: 'cli:alice', action: 'token.create', resourceId: record.id, details },
        { actor: 'cli:alice', action: 'token.revoke', resourceId: record.id, details },
      ]);
      expect(written.map((e) => e.outcome)).toEqual(['success', 'success']);
      expect(JSON.stringify(written)).not.toContain(token.slice(4, 12));
    });

    it('writes no entry when the change fails, and none for what the HTTP API audits itself', async () => {
      const db = t.model.db;
      const before = (await entries()).length;
      await expect(db.tokens.create({ name: 'ci', role: 'viewer', by: cli })).rejects.toThrow(
        ConflictError,
      );
      await db.tokens.create({ name: 'via-http', role: 'viewer' });
      expect(await entries()).toHaveLength(before);
    });

    it('audits an ensure only when it changes the token, saying what changed', async () => {
      const db = t.model.db;
      const secret = `xao_${'f'.repeat(40)}`;
      const ensure = (input: { role: 'admin' | 'scim'; token: string; expiresAt?: Date }) =>
        db.tokens.ensure({ name: 'bootstrap-admin', ...input, by });
      const before = (await entries()).length;
      const created = await ensure({ role: 'admin', token: secret });
      expect(created.createdBy).toBe('system:bootstrap');
      await ensure({ role: 'admin', token: secret }); // a restart: unchanged
      await ensure({ role: 'scim', token: `xao_${'g'.repeat(40)}` });
      await ensure({ role: 'scim', token: `xao_${'g'.repeat(40)}` });
      await ensure({
        role: 'scim',
        token: `xao_${'g'.repeat(40)}`,
        expiresAt: at('2031-01-01T00:00:00Z'),
      });
      const written = (await entries()).slice(before);
      expect(written).toMatchObject([
        {
          actor: 'system:bootstrap',
          action: 'token.create',
          resourceId: created.id,
          details: { name: 'bootstrap-admin', role: 'admin', ownerEmail: null, expiresAt: null },
        },
        {
          action: 'token.update',
          details: { role: 'scim', changed: ['secret', 'role'], previous: { role: 'admin' } },
        },
        {
          action: 'token.update',
          details: {
            expiresAt: '2031-01-01T00:00:00.000Z',
            changed: ['expiresAt'],
            previous: { expiresAt: null },
          },
        },
      ]);
      expect(written).toHaveLength(3);
      expect(JSON.stringify(written)).not.toMatch(/f{8}|g{8}/);
    });
  },
);

describe.each(testDrivers.filter((d) => d.dialect === 'postgresql'))(
  'a bootstrap token ensured by replicas starting together on $dialect',
  (driver) => {
    const t = useTestModel(driver);

    it('succeeds for every replica and makes one token', async () => {
      const holder = new pg.Client({ connectionString: t.url });
      await holder.connect();
      try {
        // Writes to api_token wait until every replica has looked for the token (none yet).
        await holder.query('begin');
        await holder.query('lock table api_token in share mode');
        const secret = 'd'.repeat(40);
        const replicas = Array.from({ length: 4 }, () =>
          t.model.db.tokens.ensure({
            name: 'bootstrap-admin',
            role: 'admin',
            token: secret,
            by,
          }),
        );
        await untilWaitingForLocks(holder, replicas.length);
        await holder.query('commit');
        const records = await Promise.all(replicas);
        expect(new Set(records.map((r) => r.id)).size).toBe(1);
        expect((await t.model.db.tokens.list()).items.map((r) => r.name)).toEqual([
          'bootstrap-admin',
        ]);
        expect(await t.model.db.tokens.verify(secret)).toMatchObject({
          id: records[0]!.id,
          role: 'admin',
        });
        // The replica that created it says so; the others changed nothing.
        const entries = await t.model.db.audit.list({ resourceType: 'tokens' });
        expect(entries.items.map((e) => e.action)).toEqual(['token.create']);
      } finally {
        await holder.end();
      }
    });
  },
);
