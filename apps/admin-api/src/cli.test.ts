import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createOrm, hashToken, MAX_PAGE_SIZE } from '@xero-access/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCli } from './test/admin-cli.js';

/** The model package's `xao-model` command, as an auditor installs it. */
const modelCli = join(
  dirname(createRequire(import.meta.url).resolve('@xero-access/model/package.json')),
  'dist/cli/main.js',
);
const dir = mkdtempSync(join(tmpdir(), 'xao-cli-'));
const env = {
  ...process.env,
  DATABASE_URL: `sqlite://${join(dir, 'nested', 'api.db')}`,
  LOG_LEVEL: 'silent',
};
const run = (args: string[]) => runAdminCli(args, env);

/** `token list`'s table as rows of cells, the header row first (the delimiter row left out). */
function tableRows(stdout: string): string[][] {
  const lines = stdout.trimEnd().split('\n');
  expect(lines[1]).toMatch(/^\|( -+ \|)+$/);
  return [lines[0]!, ...lines.slice(2)].map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
}

describe('admin-api CLI', () => {
  // The API (or xao-model migrate) migrates the database; the CLI only opens it.
  beforeAll(async () => {
    await (await createOrm({ url: env.DATABASE_URL, migrate: true })).close();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a token shown once, stores only its hash, and lists it without the secret', async () => {
    const created = await run(['token', 'create', '--name', 'ci', '--role', 'admin']);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^xao_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/created admin token ci/);

    const listed = await run(['token', 'list']);
    expect(tableRows(listed.stdout)[1]).toEqual(expect.arrayContaining(['ci', 'admin', 'active']));
    expect(listed.stdout).not.toContain(token);

    const model = await createOrm({ url: env.DATABASE_URL });
    try {
      expect(await model.db.tokens.verify(token)).toMatchObject({ name: 'ci', role: 'admin' });
      const raw = await model.orm.em
        .fork()
        .getConnection()
        .execute('select token_hash from api_token');
      expect(JSON.stringify(raw)).not.toContain(token);
    } finally {
      await model.close();
    }
  }, 120_000);

  it('lists every token, past one page of the listing', async () => {
    const model = await createOrm({ url: env.DATABASE_URL });
    try {
      for (let i = 0; i < MAX_PAGE_SIZE; i++)
        await model.db.tokens.create({
          name: `bulk-${String(i).padStart(3, '0')}`,
          role: 'viewer',
        });
    } finally {
      await model.close();
    }
    const listed = await run(['token', 'list']);
    expect(listed.code).toBe(0);
    const names = tableRows(listed.stdout)
      .slice(1)
      .map((row) => row[0]);
    expect(names).toHaveLength(MAX_PAGE_SIZE + 1);
    expect(new Set(names).size).toBe(MAX_PAGE_SIZE + 1);
    expect(names.at(-1)).toBe('ci');
  }, 120_000);

  it('lists tokens as a table with a header: state active, expired or revoked, never a secret or hash', async () => {
    const url = `sqlite://${join(dir, 'states.db')}`;
    const model = await createOrm({ url, migrate: true });
    const secrets: string[] = [];
    try {
      const active = await model.db.tokens.create({
        name: 'rita',
        role: 'reviewer',
        ownerEmail: 'rita@acme.example',
        expiresAt: new Date('2099-01-01T00:00:00Z'),
      });
      await model.db.tokens.verify(active.token, new Date('2026-11-01T00:00:00Z'));
      // Created then, expired since: verification refuses it now.
      const expired = await model.db.tokens.create(
        { name: 'old-ci', role: 'viewer', expiresAt: new Date('2026-01-01T00:00:00Z') },
        new Date('2025-12-01T00:00:00Z'),
      );
      const revoked = await model.db.tokens.create({ name: 'scim', role: 'scim' });
      await model.db.tokens.revoke(revoked.record.id);
      for (const t of [active, expired, revoked]) secrets.push(t.token, hashToken(t.token));
      expect(await model.db.tokens.verify(expired.token)).toBeNull();
    } finally {
      await model.close();
    }
    const listed = await runAdminCli(['token', 'list'], { ...env, DATABASE_URL: url });
    expect(listed.code).toBe(0);
    const rows = tableRows(listed.stdout);
    expect(rows.map((row) => row.slice(0, 6))).toEqual([
      ['name', 'role', 'state', 'expiresAt', 'ownerEmail', 'lastUsedAt'],
      ['old-ci', 'viewer', 'expired', '2026-01-01T00:00:00.000Z', '-', '-'],
      [
        ...['rita', 'reviewer', 'active', '2099-01-01T00:00:00.000Z'],
        ...['rita@acme.example', '2026-11-01T00:00:00.000Z'],
      ],
      ['scim', 'scim', 'revoked', '-', '-', '-'],
    ]);
    expect(rows[0]!.slice(6)).toEqual(['prefix', 'id']);
    // Every row as wide as the header: a readable, aligned table.
    const widths = new Set(
      listed.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.length),
    );
    expect(widths.size).toBe(1);
    for (const secret of secrets) expect(listed.stdout).not.toContain(secret);
  }, 120_000);

  it('requires DATABASE_URL: a command never falls back to the default database, exit 2', async () => {
    const { DATABASE_URL: _unused, ...unset } = env;
    const commands = [
      ['verify-chain', '--connection', 'finance/acme', '--tenant', 't1'],
      ['token', 'list'],
      ['token', 'create', '--name', 'ci', '--role', 'admin', '--actor', 'sam'],
      ['token', 'revoke', '0190a1b2-0000-7000-8000-000000000000', '--actor', 'sam'],
    ];
    const refused = await Promise.all(commands.map((args) => runAdminCli(args, unset)));
    expect(refused).toEqual(
      commands.map((args) => ({
        code: 2,
        stdout: '',
        stderr: `admin-api: DATABASE_URL is not set: give the database the API uses (postgres://… or sqlite:///path/to/file.db); admin-api ${args[0] === 'token' ? `token ${args[1]}` : args[0]} does not assume the API's default, sqlite:///var/lib/xero-access/xao.db\n`,
      })),
    );
  }, 60_000);

  it('never creates a SQLite file or its folder: a mistyped path is an error (2), not an empty chain (1)', async () => {
    const folder = join(dir, 'mistyped');
    const file = join(folder, 'xao.db');
    const mistyped = { ...env, DATABASE_URL: `sqlite://${file}`, DATABASE_MIGRATE: 'true' };
    for (const args of [
      ['verify-chain', '--connection', 'finance/acme', '--tenant', 't1'],
      ['token', 'list'],
      ['token', 'create', '--name', 'ci', '--role', 'admin', '--actor', 'sam'],
    ]) {
      const refused = await runAdminCli(args, mistyped);
      expect({ args, ...refused }).toEqual({
        args,
        code: 2,
        stdout: '',
        stderr: `admin-api: DATABASE_URL: no SQLite database at ${file}: the file does not exist (it is not created here); name the file the apps use\n`,
      });
    }
    expect(existsSync(folder)).toBe(false);
  }, 120_000);

  it('never migrates, even with DATABASE_MIGRATE=true, and refuses a schema older or newer than this build', async () => {
    const url = `sqlite://${join(dir, 'older.db')}`;
    const model = await createOrm({ url });
    let last: string;
    try {
      const pending = await model.pendingMigrations();
      last = pending.at(-1)!;
      await model.orm.getMigrator().up({ to: pending.at(-2)! });
    } finally {
      await model.close();
    }
    const older = { ...env, DATABASE_URL: url, DATABASE_MIGRATE: 'true' };
    for (const command of [
      ['verify-chain', '--connection', 'finance/acme', '--tenant', 't1'],
      ['token', 'list'],
    ]) {
      const refused = await runAdminCli(command, older);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(
        `admin-api: the database schema is older than this build: it lacks migration ${last}, so admin-api ${command[0] === 'token' ? 'token list' : 'verify-chain'} of this build cannot read it.`,
      );
    }
    const reopened = await createOrm({ url });
    try {
      expect(await reopened.pendingMigrations()).toEqual([last]);
      await reopened.migrateUp();
      await reopened.orm.em
        .fork()
        .getConnection()
        .execute(
          "insert into mikro_orm_migrations (name, executed_at) values ('Migration29990101000000_future', current_timestamp)",
        );
    } finally {
      await reopened.close();
    }
    const newer = await runAdminCli(['token', 'list'], older);
    expect(newer.code).toBe(2);
    expect(newer.stderr).toMatch(
      /^admin-api: the database schema is newer than this build: it records migration Migration29990101000000_future/,
    );
  }, 120_000);

  it('checks --name, --owner-email and --expires before any database work, naming the flag, exit 2', async () => {
    // A database that is not there: a check made after opening it would report that instead.
    const noDatabase = { ...env, DATABASE_URL: `sqlite://${join(dir, 'none', 'x.db')}` };
    const create = (...args: string[]) =>
      runAdminCli(['token', 'create', '--role', 'viewer', '--actor', 'sam', ...args], noDatabase);
    const [name, email, past] = await Promise.all([
      create('--name', 'has space'),
      create('--name', 'rita', '--owner-email', 'rita-at-acme'),
      create('--name', 'rita', '--expires', '2020-01-01T00:00:00Z'),
    ]);
    expect([name, email, past]).toEqual([
      {
        code: 2,
        stdout: '',
        stderr:
          "error: option '--name <name>' argument 'has space' is invalid. must be 1 to 128 letters, digits, dots, dashes or underscores\n",
      },
      {
        code: 2,
        stdout: '',
        stderr:
          "error: option '--owner-email <email>' argument 'rita-at-acme' is invalid. must be an email address of at most 320 characters\n",
      },
      {
        code: 2,
        stdout: '',
        stderr:
          "error: option '--expires <date>' argument '2020-01-01T00:00:00Z' is invalid. must be a date in the future\n",
      },
    ]);
  }, 60_000);

  it('fails verify-chain on an empty chain, naming the connection and tenant (or the file)', async () => {
    const mistyped = await run([
      'verify-chain',
      '--connection',
      'finance/acme',
      '--tenant',
      'mistyped-tenant',
    ]);
    expect(mistyped.code).toBe(1);
    expect(mistyped.stdout).toBe('');
    expect(mistyped.stderr).toContain(
      'admin-api: the snapshot chain of finance/acme tenant mistyped-tenant holds no snapshots: nothing to verify',
    );
    const file = join(dir, 'empty-chain.json');
    writeFileSync(file, JSON.stringify({ kind: 'xero-access-snapshot-chain', records: [] }));
    const empty = await run(['verify-chain', '--file', file]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain(`admin-api: ${file} holds no snapshots: nothing to verify`);
  }, 60_000);

  it("verifies offline the chain files xao-model exports, this release's and earlier ones", async () => {
    const url = `sqlite://${join(dir, 'chain.db')}`;
    const model = await createOrm({ url, migrate: true });
    try {
      const acme = { namespace: 'finance', name: 'acme' };
      const tenant = { tenantId: 't-1', tenantName: 'Acme' };
      for (const [day, role] of [[1, 'STANDARD'], [2, 'STANDARD'], [3, 'ADMIN']] as const)
        await model.db.snapshots.record(acme, tenant, [{ userId: 'u1', organisationRole: role }],
          new Date(Date.UTC(2026, 10, day))); // prettier-ignore
    } finally {
      await model.close();
    }
    const file = join(dir, 'xao-model-export.json');
    const exported = await promisify(execFile)(process.execPath, [
      ...[modelCli, 'verify-chain', '--url', url, '--connection', 'finance/acme'],
      ...['--tenant', 't-1', '--export', file],
    ]);
    const verification = JSON.parse(exported.stdout);
    expect(verification).toMatchObject({ ok: true, length: 3 });

    const current = JSON.parse(readFileSync(file, 'utf8'));
    expect(current.version).toBe(2);
    // What xao-model --export wrote before version 2: {"chain": [records with contentText]}.
    const v1 = join(dir, 'xao-model-export-v1.json');
    writeFileSync(
      v1,
      JSON.stringify({
        chain: current.records.map((r: { contentHash: string }) => ({
          ...r,
          contentText: current.contents[r.contentHash],
        })),
      }),
    );
    // Saved again by a Windows editor, with a UTF-8 byte order mark: the same chain.
    const bom = join(dir, 'xao-model-export-bom.json');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(file)]));
    for (const chainFile of [file, v1, bom]) {
      const verified = await run(['verify-chain', '--file', chainFile]);
      expect({ chainFile, code: verified.code, stderr: verified.stderr }).toEqual({
        chainFile,
        code: 0,
        stderr: '',
      });
      expect(JSON.parse(verified.stdout)).toEqual(verification);
    }
    // Against a head kept before: the one it holds passes, one past its end fails.
    const { headSequence, headHash } = verification;
    expect(
      await run(['verify-chain', '--file', file, '--expect', `${headSequence}:${headHash}`]),
    ).toMatchObject({ code: 0 });
    const later = await run(['verify-chain', '--file', file, '--expect', `4:${headHash}`]);
    expect(later.code).toBe(1);
    expect(JSON.parse(later.stdout).problems).toMatchObject([
      { sequence: 4, problem: 'expected-link-missing' },
    ]);

    // A download cut short (the API resets the connection when the database fails midway).
    const cut = join(dir, 'cut-export.json');
    const whole = readFileSync(file, 'utf8');
    writeFileSync(cut, whole.slice(0, whole.indexOf('\n"verification"')));
    const refused = await run(['verify-chain', '--file', cut]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'admin-api: file: ends mid-export, after 3 records, before its closing "verification": an interrupted download or a truncated copy; download it again\n',
    );
  }, 120_000);

  it('refuses a chain file relabelled as another chain, and names the chain it verified', async () => {
    const url = `sqlite://${join(dir, 'clean-org.db')}`;
    const model = await createOrm({ url, migrate: true });
    try {
      const tenant = { tenantId: 'tenant-B', tenantName: 'Clean Org' };
      for (const day of [1, 2])
        await model.db.snapshots.record({ namespace: 'sandbox', name: 'clean-org' }, tenant,
          [{ userId: 'u1', organisationRole: 'ADMIN' }], new Date(Date.UTC(2026, 10, day))); // prettier-ignore
    } finally {
      await model.close();
    }
    const own = join(dir, 'clean-org-export.json');
    await promisify(execFile)(process.execPath, [
      ...[modelCli, 'verify-chain', '--url', url, '--connection', 'sandbox/clean-org'],
      ...['--tenant', 'tenant-B', '--export', own],
    ]);
    // Only the header is edited: the two records stay correctly chained to each other.
    const relabelled = join(dir, 'relabelled-export.json');
    const text = readFileSync(own, 'utf8');
    const header = '"connection":"sandbox/clean-org","tenantId":"tenant-B"';
    expect(text.indexOf(header)).toBe(text.indexOf('"connection"'));
    writeFileSync(
      relabelled,
      text.replace(header, '"connection":"finance/acme","tenantId":"tenant-A"'),
    );
    const runModel = (args: string[]) =>
      promisify(execFile)(process.execPath, [modelCli, ...args]).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    for (const verify of [run, runModel]) {
      const intact = await verify(['verify-chain', '--file', own]);
      expect(intact.code).toBe(0);
      expect(JSON.parse(intact.stdout)).toMatchObject({
        ok: true,
        connection: 'sandbox/clean-org',
        tenantId: 'tenant-B',
        length: 2,
      });
      const refused = await verify(['verify-chain', '--file', relabelled]);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout)).toMatchObject({
        ok: false,
        connection: 'finance/acme',
        tenantId: 'tenant-A',
        problems: [1, 2].map((sequence) => ({
          sequence,
          problem: 'chain-identity-mismatch',
          detail:
            'of sandbox/clean-org tenant tenant-B, not of the chain named, finance/acme tenant tenant-A',
        })),
      });
    }
  }, 120_000);

  it('exits 2 on an error, as xao-model does: 1 says only that a chain is broken or empty', async () => {
    const file = join(dir, 'not-json.json');
    writeFileSync(file, 'not JSON');
    const notADatabase = join(dir, 'not-a-database.db');
    writeFileSync(notADatabase, 'not a database, and longer than the header SQLite reads first');
    const [usage, missing, malformed, database] = await Promise.all([
      run(['verify-chain', '--tenant', 't1']),
      run(['verify-chain', '--file', join(dir, 'nonexistent.json')]),
      run(['verify-chain', '--file', file]),
      runAdminCli(['verify-chain', '--connection', 'finance/acme', '--tenant', 't1'], {
        ...env,
        DATABASE_URL: `sqlite://${notADatabase}`,
      }),
    ]);
    expect(usage).toEqual({
      code: 2,
      stdout: '',
      stderr: 'admin-api: give --file, or --connection <namespace/name> and --tenant\n',
    });
    expect(missing).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/ENOENT/) });
    expect(malformed).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/file: is not JSON/),
    });
    expect(database).toMatchObject({ code: 2, stdout: '' });
    expect(database.stderr).toMatch(/^admin-api: .*not a database/m);
  }, 60_000);

  it('refuses a --connection that is not <namespace>/<name>, as xao-model does, exit 2', async () => {
    const connections = ['finance/acme/extra', 'finance', 'finance/', '/acme'];
    const refused = await Promise.all(
      connections.map((c) => run(['verify-chain', '--connection', c, '--tenant', 't1'])),
    );
    expect(refused).toEqual(
      connections.map((c) => ({
        code: 2,
        stdout: '',
        stderr: `error: option '--connection <namespace/name>' argument '${c}' is invalid. expected <namespace>/<name>\n`,
      })),
    );
  }, 60_000);

  it('refuses --file beside --connection or --tenant, naming both: one would be ignored', async () => {
    const file = join(dir, 'any-chain.json');
    const [withConnection, withTenant] = await Promise.all([
      run(['verify-chain', '--connection', 'finance/acme', '--file', file]),
      run(['verify-chain', '--file', file, '--tenant', 't1']),
    ]);
    expect(withConnection).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "error: option '--file <file>' cannot be used with option '--connection <namespace/name>'\n",
    });
    expect(withTenant).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: option '--file <file>' cannot be used with option '--tenant <tenantId>'\n",
    });
  }, 60_000);

  it('names an unknown command as such, not as an argument to serve (the default)', async () => {
    expect(await run(['nosuch'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: unknown command 'nosuch'\n",
    });
    expect(await run(['token', 'frob'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("error: unknown command 'frob'"),
    });
  }, 60_000);

  it('refuses an unknown role, naming the choices', async () => {
    const refused = await run(['token', 'create', '--name', 'x', '--role', 'root']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--role.*root.*viewer, reviewer, admin, scim/s);
  }, 60_000);

  it('refuses an --expires without a zone, as the HTTP API does, naming the option', async () => {
    const refused = await run([
      'token',
      'create',
      '--name',
      'no-zone',
      '--role',
      'viewer',
      '--expires',
      '2030-01-01T00:00:00',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/--expires.*2030-01-01T00:00:00.*with a zone \(Z or ±hh:mm\)/s);
    expect((await run(['token', 'list'])).stdout).not.toContain('no-zone');
  }, 60_000);
});
