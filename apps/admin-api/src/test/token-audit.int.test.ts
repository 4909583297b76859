import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBootstrapTokens } from '../app/runtime.js';
import { runAdminCli } from './admin-cli.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

interface AuditItem {
  action: string;
  actor: string;
  resourceId: string | null;
  outcome: string;
  details: Record<string, unknown> | null;
}

const newSecret = () => `xao_${randomBytes(32).toString('base64url')}`;

/**
 * A token made, revoked or changed outside the HTTP API (the CLI, start-up) is in the audit log as
 * the API's own changes are: auditors read every change to who may use the API in one place.
 */
describe.each(DIALECTS)('token changes outside the HTTP API on $dialect', ({ dialect }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => h?.close());

  /** Oldest first, as `GET /audit-log?resourceType=tokens` finds them. */
  const tokenEntries = async () => {
    const listed = await h.call('GET', '/audit-log?resourceType=tokens&limit=500', {
      token: h.tokens.admin,
    });
    expect(listed.statusCode).toBe(200);
    return (listed.json().items as AuditItem[]).reverse();
  };

  it("audits the CLI's create and revoke as cli:<OS user> without --actor, warning that it names no person, never with the secret", async () => {
    const env = { ...process.env, DATABASE_URL: h.deps.config.databaseUrl, LOG_LEVEL: 'silent' };
    const created = await runAdminCli(
      ['token', 'create', '--name', 'ci', '--role', 'reviewer'].concat([
        '--owner-email',
        'rita@acme.example',
        '--expires',
        '2030-01-01T00:00:00+01:00',
      ]),
      env,
    );
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    const record = await h.model.db.tokens.verify(token);
    expect(record).not.toBeNull();
    const revoked = await runAdminCli(['token', 'revoke', record!.id], env);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${record!.id}\n` });

    const actor = `cli:${userInfo().username}`;
    const warning = `admin-api: warning: the audit log names only the OS user (${actor}), not who ran this: give --actor <your name or email> (or XAO_ACTOR)\n`;
    expect(created.stderr).toContain(warning);
    expect(revoked.stderr).toBe(warning);
    const details = {
      name: 'ci',
      role: 'reviewer',
      ownerEmail: 'rita@acme.example',
      expiresAt: '2029-12-31T23:00:00.000Z',
    };
    const entries = (await tokenEntries()).filter((e) => e.resourceId === record!.id);
    expect(entries).toEqual([
      expect.objectContaining({ actor, action: 'token.create', outcome: 'success', details }),
      expect.objectContaining({ actor, action: 'token.revoke', outcome: 'success', details }),
    ]);
    expect(JSON.stringify(entries)).not.toContain(token.slice(4, 16));
  });

  it('audits the person --actor (or XAO_ACTOR) names, with the OS user in the details', async () => {
    const env = { ...process.env, DATABASE_URL: h.deps.config.databaseUrl, LOG_LEVEL: 'silent' };
    const created = await runAdminCli(
      ['token', 'create', '--name', 'deploy', '--role', 'viewer', '--actor', 'rita@acme.example'],
      env,
    );
    expect(created.code).toBe(0);
    expect(created.stderr).not.toContain('warning');
    const record = await h.model.db.tokens.verify(created.stdout.trim());
    expect(record).toMatchObject({ createdBy: 'cli:rita@acme.example' });
    const revoked = await runAdminCli(['token', 'revoke', record!.id], {
      ...env,
      XAO_ACTOR: 'Sam Lee',
    });
    expect(revoked).toEqual({ code: 0, stdout: `revoked ${record!.id}\n`, stderr: '' });

    const details = { name: 'deploy', role: 'viewer', ownerEmail: null, expiresAt: null };
    const osUser = userInfo().username;
    expect((await tokenEntries()).filter((e) => e.resourceId === record!.id)).toEqual([
      expect.objectContaining({
        actor: 'cli:rita@acme.example',
        action: 'token.create',
        details: { ...details, osUser },
      }),
      expect.objectContaining({
        actor: 'cli:Sam Lee',
        action: 'token.revoke',
        details: { ...details, osUser },
      }),
    ]);

    // Refused before anything changes: no token, no entry.
    const forged = await runAdminCli(
      ['token', 'create', '--name', 'forged', '--role', 'admin', '--actor', 'rita\ncli:admin'],
      env,
    );
    expect(forged).toEqual({
      code: 2,
      stdout: '',
      stderr: 'admin-api: --actor must be printable: no control characters or line breaks\n',
    });
    expect((await tokenEntries()).filter((e) => e.details?.name === 'forged')).toEqual([]);
    const listed = await h.model.db.tokens.list({ limit: 500 });
    expect(listed.items.map((t) => t.name)).not.toContain('forged');
  });

  it('audits a bootstrap token start-up creates or resets, and not an unchanged restart', async () => {
    const start = (bootstrapAdminToken: string) =>
      ensureBootstrapTokens({ ...h.deps, config: { ...h.deps.config, bootstrapAdminToken } });
    const first = newSecret();
    const second = newSecret();
    await start(first);
    await start(first);
    await start(second); // the Secret was rotated
    // Someone lowered its role in the database; the next start restores it.
    await h.model.orm.em
      .fork()
      .getConnection()
      .execute(`update api_token set role = 'viewer' where name = 'bootstrap-admin'`);
    await start(second);
    await start(second);

    const entries = (await tokenEntries()).filter((e) => e.details?.name === 'bootstrap-admin');
    const details = { name: 'bootstrap-admin', role: 'admin', ownerEmail: null, expiresAt: null };
    const actor = 'system:bootstrap';
    expect(entries).toEqual([
      expect.objectContaining({ actor, action: 'token.create', details }),
      expect.objectContaining({
        actor,
        action: 'token.update',
        details: { ...details, changed: ['secret'], previous: {} },
      }),
      expect.objectContaining({
        actor,
        action: 'token.update',
        details: { ...details, changed: ['role'], previous: { role: 'viewer' } },
      }),
    ]);
    for (const secret of [first, second])
      expect(JSON.stringify(entries)).not.toContain(secret.slice(4, 16));
  });
});
