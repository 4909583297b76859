import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Migrator } from '@mikro-orm/migrations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDelivery } from '../entities/webhook-delivery.js';
import { newId } from '../ids.js';
import { postgresqlMigrations } from '../migrations/postgresql/index.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { acme, at, tenant, unidentified, users } from '../test/fixtures.js';
import { verifyAllChains } from './verify-all.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, 'main.ts');
// Both dialects carry the same migration names (migrations.int.test.ts checks it).
const ALL = postgresqlMigrations.map((m) => m.name);

async function xaoModel(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return xaoModelWith({}, ...args);
}

async function xaoModelWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', cli, ...args], {
      env: { ...process.env, XAO_DATABASE_URL: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.each(testDrivers)('xao-model verify-chain on $dialect', (driver) => {
  let t: TestModel;
  const dir = mkdtempSync(join(tmpdir(), 'xao-cli-'));
  beforeAll(async () => {
    t = await driver.create();
    for (let i = 1; i <= 3; i++)
      await t.model.db.snapshots.record(
        acme,
        tenant,
        users([`u${i}`, 'STANDARD']),
        at(`2026-11-0${i}T00:00:00Z`),
      );
  });
  afterAll(async () => {
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the chain in the database, exports it, and fails (exit 1) after tampering', async () => {
    const file = join(dir, 'chain.json');
    const good = await xaoModel(
      'verify-chain',
      '--url',
      t.url,
      '--connection',
      'finance/acme',
      '--tenant',
      tenant.tenantId,
      '--export',
      file,
    );
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, length: 3 });
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    expect(exported).toMatchObject({ kind: 'xero-access-snapshot-chain', version: 2 });
    expect(exported.records).toHaveLength(3);
    expect(exported.verification).toEqual(JSON.parse(good.stdout));

    await t.model.orm.em
      .getConnection()
      .execute(`update snapshot set previous_hash = chain_hash where sequence = 3`);
    const bad = await xaoModel(
      'verify-chain',
      '--url',
      t.url,
      '--connection',
      'finance/acme',
      '--tenant',
      tenant.tenantId,
    );
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).problems.map((p: { problem: string }) => p.problem)).toContain(
      'previous-hash-mismatch',
    );

    const offline = await xaoModel('verify-chain', '--file', file);
    expect(offline.code).toBe(0);
    expect(JSON.parse(offline.stdout).headHash).toBe(JSON.parse(good.stdout).headHash);
  });

  it('verifies offline what the admin API and earlier versions exported, and catches tampering in them', async () => {
    const audited = { namespace: 'finance', name: 'audited' };
    for (const [i, role] of ['STANDARD', 'STANDARD', 'ADMIN'].entries())
      await t.model.db.snapshots.record(
        audited,
        tenant,
        users(['u1', role]),
        at(`2026-11-0${i + 1}T00:00:00Z`),
      );
    const file = join(dir, 'current.json');
    await xaoModel(...['verify-chain', '--url', t.url, '--connection', 'finance/audited'],
      ...['--tenant', tenant.tenantId, '--export', file]); // prettier-ignore
    const current = JSON.parse(readFileSync(file, 'utf8'));
    expect(current.verification).toMatchObject({ ok: true, length: 3 });
    expect(Object.keys(current.contents)).toHaveLength(2);
    // Version 1 carried each record's content: the API as `records`, this CLI as `chain`.
    const withText = current.records.map((r: { contentHash: string }) => ({
      ...r,
      contentText: current.contents[r.contentHash],
    }));
    const { contents: _, verification, ...apiHead } = current;
    const exports = {
      'api-v2.json': current,
      'api-v1.json': { ...apiHead, version: 1, records: withText, verification },
      'cli-v1.json': { chain: withText },
    };
    for (const [name, content] of Object.entries(exports)) {
      writeFileSync(join(dir, name), JSON.stringify(content));
      const offline = await xaoModel('verify-chain', '--file', join(dir, name));
      expect({ name, code: offline.code }).toEqual({ name, code: 0 });
      expect(JSON.parse(offline.stdout)).toEqual(current.verification);
    }

    const whole = readFileSync(file, 'utf8');
    writeFileSync(join(dir, 'cut.json'), whole.slice(0, whole.indexOf('\n"verification"')));
    const cut = await xaoModel('verify-chain', '--file', join(dir, 'cut.json'));
    expect(cut).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'xao-model: file: ends mid-export, after 3 records, before its closing "verification": an interrupted download or a truncated copy; download it again\n',
    });

    const [firstHash] = Object.keys(current.contents);
    const tampered = {
      ...current,
      contents: { ...current.contents, [firstHash!]: '[]' },
    };
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(tampered));
    const bad = await xaoModel('verify-chain', '--file', join(dir, 'tampered.json'));
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).problems[0]).toMatchObject({
      sequence: 1,
      problem: 'content-hash-mismatch',
    });
  });

  it('fails (exit 1) on an empty chain, naming what was read, never "ok"', async () => {
    const file = join(dir, 'mistyped.json');
    const mistyped = await xaoModel(
      'verify-chain',
      '--url',
      t.url,
      '--connection',
      'finance/acme',
      '--tenant',
      'mistyped-tenant',
      '--export',
      file,
    );
    expect(mistyped).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'xao-model: the snapshot chain of finance/acme tenant mistyped-tenant holds no snapshots: nothing to verify\n',
    });
    expect(existsSync(file)).toBe(false);

    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '{"chain": []}');
    const offline = await xaoModel('verify-chain', '--file', empty);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toBe(`xao-model: ${empty} holds no snapshots: nothing to verify\n`);
  });

  it('fails (exit 1) a chain whose newest snapshots were deleted, against the head kept with --expect', async () => {
    const kept = { namespace: 'finance', name: 'kept' };
    const recorded = [];
    for (let i = 1; i <= 3; i++)
      recorded.push(
        await t.model.db.snapshots.record(
          kept,
          tenant,
          users([`u${i}`, 'ADMIN']),
          at(`2026-11-0${i}T00:00:00Z`),
        ),
      );
    const one = ['--url', t.url, '--connection', 'finance/kept', '--tenant', tenant.tenantId];
    const file = join(dir, 'kept.json');
    const first = await xaoModel('verify-chain', ...one, '--export', file);
    const { headSequence, headHash } = JSON.parse(first.stdout);
    expect({ code: first.code, headSequence, headHash }).toEqual({
      code: 0,
      headSequence: 3,
      headHash: recorded[2]!.chainHash,
    });
    const expectHead = ['--expect', `${headSequence}:${headHash}`];
    expect(await xaoModel('verify-chain', ...one, ...expectHead)).toMatchObject({ code: 0 });

    await t.model.orm.em
      .getConnection()
      .execute('delete from snapshot where id = ?', [recorded[2]!.id]);
    expect(await xaoModel('verify-chain', ...one)).toMatchObject({ code: 0 });
    const truncated = await xaoModel('verify-chain', ...one, ...expectHead);
    expect(truncated.code).toBe(1);
    expect(JSON.parse(truncated.stdout).problems).toEqual([
      {
        snapshotId: null,
        sequence: 3,
        problem: 'expected-link-missing',
        detail: 'the chain ends at sequence 2: the snapshots after it were deleted',
      },
    ]);
    // The export taken before holds the head; one taken now does not.
    expect(await xaoModel('verify-chain', '--file', file, ...expectHead)).toMatchObject({
      code: 0,
    });
    const now = join(dir, 'kept-now.json');
    expect(await xaoModel('verify-chain', ...one, '--export', now, ...expectHead)).toMatchObject({
      code: 1,
    });
    expect(await xaoModel('verify-chain', '--file', now, ...expectHead)).toMatchObject({
      code: 1,
    });

    expect(await xaoModel('verify-chain', ...one, '--expect', headHash)).toEqual({
      code: 2,
      stdout: '',
      stderr: `xao-model: --expect: "${headHash}" is not <sequence>:<chainHash> (a sequence from 1, a colon, the 64 hex digits of its chainHash, e.g. <headSequence>:<headHash> of an earlier verification)\n`,
    });
  });

  it('explains missing arguments without a stack trace', async () => {
    const result = await xaoModel('verify-chain', '--connection', 'finance/acme', '--tenant', 'x');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--url or XAO_DATABASE_URL is required');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe.each(testDrivers)('xao-model verify-chain --all on $dialect', (driver) => {
  let t: TestModel;
  const dir = mkdtempSync(join(tmpdir(), 'xao-cli-all-'));
  const second = { tenantId: '22222222-2222-4222-8222-222222222222', tenantName: 'Acme Two' };
  const audited = { namespace: 'finance', name: 'audited' };
  const gone = { namespace: 'ops', name: 'gone' };
  const pruned = { namespace: 'ops', name: 'pruned' };
  const heads: Record<string, string> = {};

  /** Records snapshots of one chain at the given days of November, or the given times. */
  async function chain(ref: typeof acme, of: typeof tenant, times: (number | Date)[]) {
    for (const [i, time] of times.entries()) {
      const takenAt = typeof time === 'number' ? at(`2026-11-${time}T00:00:00Z`) : time;
      const s = await t.model.db.snapshots.record(ref, of, users([`u${i}`, 'STANDARD']), takenAt);
      heads[`${ref.namespace}/${ref.name} ${of.tenantId}`] = s.chainHash;
    }
  }

  const line = (ref: typeof acme, tenantId: string, cells: string[]) =>
    [`${ref.namespace}/${ref.name}`, tenantId, ...cells].join('\t');
  const intact = (ref: typeof acme, tenantId: string, sequences: string) =>
    line(ref, tenantId, [sequences, heads[`${ref.namespace}/${ref.name} ${tenantId}`]!, 'ok']);
  const header = 'CONNECTION\tTENANT\tSEQUENCES\tHEAD\tRESULT';

  beforeAll(async () => {
    t = await driver.create();
    await chain(acme, tenant, [12, 13, 14]);
    await chain(acme, second, [12, 13]);
    await chain(audited, tenant, [12, 13, 14]);
    await chain(gone, tenant, [12]);
    await t.model.db.connections.markDeleted(gone);
    // Three snapshots pruned: the chain is verified from its checkpoint at sequence 3.
    await chain(pruned, tenant, [at('2026-10-01T00:00:00Z'), at('2026-10-02T00:00:00Z'), at('2026-10-03T00:00:00Z'), 20]); // prettier-ignore
    await t.model.db.retention.pruneSnapshots(at('2026-11-01T00:00:00Z'));
  });
  afterAll(async () => {
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies every chain, deleted connections and pruned chains included, a line each', async () => {
    const result = await xaoModel('verify-chain', '--all', '--url', t.url);
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        header,
        intact(acme, tenant.tenantId, '1-3'),
        intact(acme, second.tenantId, '1-2'),
        intact(audited, tenant.tenantId, '1-3'),
        intact(gone, tenant.tenantId, '1-1'),
        intact(pruned, tenant.tenantId, '4-4'),
        '5 chains verified: 5 intact, 0 failed',
        '',
      ].join('\n'),
    });
  });

  it('reports its progress on a long run, between the lines', async () => {
    const out: string[] = [];
    const progress: string[] = [];
    const result = await verifyAllChains(t.model.db, {
      out: (l) => out.push(l),
      progress: (l) => progress.push(l),
      everyMs: 0,
    });
    expect(result).toEqual({ chains: 5, failed: [], gaps: [] });
    expect(out).toHaveLength(7);
    // Within each chain too (its records so far), as one chain verified alone reports them.
    const records = (ref: typeof acme, tenantId: string, n: number) =>
      `${ref.namespace}/${ref.name} tenant ${tenantId}: ${n} record${n === 1 ? '' : 's'} verified so far`;
    expect(progress).toEqual([
      records(acme, tenant.tenantId, 3),
      '1 of 5 chains verified so far',
      records(acme, second.tenantId, 2),
      '2 of 5 chains verified so far',
      records(audited, tenant.tenantId, 3),
      '3 of 5 chains verified so far',
      records(gone, tenant.tenantId, 1),
      '4 of 5 chains verified so far',
      records(pruned, tenant.tenantId, 1),
    ]);
  });

  it('fails (exit 1) when one chain of several is tampered with, naming it; the others stay ok', async () => {
    await t.model.orm.em
      .getConnection()
      .execute(
        `update snapshot set previous_hash = chain_hash where sequence = 3 and connection_id = (select id from connection where name = 'audited')`,
      );
    const result = await xaoModel('verify-chain', '--all', '--url', t.url);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      header,
      intact(acme, tenant.tenantId, '1-3'),
      intact(acme, second.tenantId, '1-2'),
      line(audited, tenant.tenantId, [
        '-',
        '-',
        'FAILED: chain-hash-mismatch at sequence 3 and 1 more problem',
      ]),
      intact(gone, tenant.tenantId, '1-1'),
      intact(pruned, tenant.tenantId, '4-4'),
      `5 chains verified: 4 intact, 1 failed (finance/audited tenant ${tenant.tenantId})`,
      '',
    ]);
  });

  it('exports every chain into a folder, each file verifying offline as the line said', async () => {
    const folder = join(dir, 'exports');
    const result = await xaoModel('verify-chain', '--all', '--url', t.url, '--export', folder);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${header}\n${intact(acme, tenant.tenantId, '1-3')}\n`);
    const files = {
      [`finance_acme_${tenant.tenantId}.json`]: 0,
      [`finance_acme_${second.tenantId}.json`]: 0,
      [`finance_audited_${tenant.tenantId}.json`]: 1,
      [`ops_gone_${tenant.tenantId}.json`]: 0,
      [`ops_pruned_${tenant.tenantId}.json`]: 0,
    };
    for (const [file, code] of Object.entries(files)) {
      const offline = await xaoModel('verify-chain', '--file', join(folder, file));
      expect({ file, code: offline.code }).toEqual({ file, code });
    }
    const pruneExport = JSON.parse(
      readFileSync(join(folder, `ops_pruned_${tenant.tenantId}.json`), 'utf8'),
    );
    expect(pruneExport.checkpoint).toMatchObject({ sequence: 3 });
  });

  it('fails a chain whose snapshots are gone but whose checkpoint is left', async () => {
    await t.model.orm.em
      .getConnection()
      .execute(
        `delete from snapshot where connection_id = (select id from connection where name = 'pruned')`,
      );
    const result = await xaoModel('verify-chain', '--all', '--url', t.url);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `${line(pruned, tenant.tenantId, ['-', '-', 'FAILED: no snapshots, only a checkpoint'])}\n`,
    );
    // Its connection synced last on the 20th: that snapshot is gone too.
    expect(result.stdout).toContain(
      `${line(pruned, '-', ['-', '-', 'FAILED: behind-last-sync: the connection synced last at 2026-11-20T00:00:00.000Z and has no snapshots: they were deleted'])}\n`,
    );
    expect(result.stdout).toContain(
      `5 chains verified: 3 intact, 2 failed (finance/audited tenant ${tenant.tenantId}, ops/pruned tenant ${tenant.tenantId}); 1 missing or behind the connection's last sync (ops/pruned)\n`,
    );
  });

  it("fails (exit 1) on a tenant its connection lists without a chain, and on a chain behind its connection's last sync", async () => {
    const never = { tenantId: '33333333-3333-4333-8333-333333333333', tenantName: 'Never Synced' };
    await t.model.db.connections.upsert(acme, {
      tenants: [tenant, second, never].map((x) => ({ ...x, connectionId: null })),
    });
    // The newest snapshot of finance/audited deleted: what is left verifies on its own.
    await t.model.orm.em
      .getConnection()
      .execute(
        `delete from snapshot where sequence = 3 and connection_id = (select id from connection where name = 'audited')`,
      );
    const result = await xaoModel('verify-chain', '--all', '--url', t.url);
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^finance/audited\t${tenant.tenantId}\t1-2\t[0-9a-f]{64}\tok$`),
      ),
    );
    expect(lines).toContain(
      line(acme, never.tenantId, [
        '-',
        '-',
        'FAILED: chain-missing: the connection lists this tenant, and it has no snapshots: its chain was deleted, or it has never synced',
      ]),
    );
    expect(lines).toContain(
      line(audited, tenant.tenantId, [
        '-',
        '-',
        `FAILED: behind-last-sync: its newest snapshot (tenant ${tenant.tenantId} sequence 2, taken at 2026-11-13T00:00:00.000Z) is older than the connection's last sync (2026-11-14T00:00:00.000Z): the snapshots after it were deleted`,
      ]),
    );
    expect(lines).toContain(
      `5 chains verified: 4 intact, 1 failed (ops/pruned tenant ${tenant.tenantId}); 3 missing or behind the connection's last sync (finance/acme tenant ${never.tenantId}, finance/audited tenant ${tenant.tenantId}, ops/pruned)`,
    );
  });

  it('prints a chain it cannot verify as FAILED with the error, verifies the others, and exits 1', async () => {
    const folder = join(dir, 'blocked');
    // A folder where the first chain's export would go: writing it fails.
    mkdirSync(join(folder, `finance_acme_${tenant.tenantId}.json`), { recursive: true });
    const result = await xaoModel('verify-chain', '--all', '--url', t.url, '--export', folder);
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[1]).toMatch(
      new RegExp(
        `^finance/acme\t${tenant.tenantId}\t-\t-\tFAILED: error: .*finance_acme_${tenant.tenantId}\\.json`,
      ),
    );
    expect(lines[2]).toBe(intact(acme, second.tenantId, '1-2'));
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^5 chains verified: 3 intact, 2 failed \\(finance/acme tenant ${tenant.tenantId}, ops/pruned tenant ${tenant.tenantId}\\); `,
        ),
      ),
    );
    expect(existsSync(join(folder, `ops_gone_${tenant.tenantId}.json`))).toBe(true);
  });

  it('fails (exit 1) on a database without chains, and refuses --all with a chain named', async () => {
    const empty = await driver.create();
    try {
      expect(await xaoModel('verify-chain', '--all', '--url', empty.url)).toEqual({
        code: 1,
        stdout: '',
        stderr: 'xao-model: the database holds no snapshot chains: nothing to verify\n',
      });
    } finally {
      await empty.dispose();
    }
    const both = await xaoModel(...['verify-chain', '--all', '--url', t.url],
      ...['--connection', 'finance/acme', '--tenant', tenant.tenantId]); // prettier-ignore
    expect(both).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'xao-model: --all verifies every chain in the database: leave out --connection, --tenant and --file\n',
    });
    expect(
      await xaoModel('verify-chain', '--all', '--url', t.url, '--expect', `1:${'a'.repeat(64)}`),
    ).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'xao-model: --expect names links of one chain: give it with --connection and --tenant, or with --file\n',
    });
  });
});

describe.each(testDrivers)('xao-model verify-chain progress on $dialect', (driver) => {
  let t: TestModel;
  const dir = mkdtempSync(join(tmpdir(), 'xao-cli-progress-'));
  const long = { namespace: 'finance', name: 'long' };
  // More than two pages of 200: the database is read, and progress reported, a page at a time.
  const SNAPSHOTS = 450;
  const named = (ref: typeof acme) => `${ref.namespace}/${ref.name} tenant ${tenant.tenantId}`;
  const progress = (ref: typeof acme, counts: number[]) =>
    counts.map((n) => `xao-model: ${named(ref)}: ${n} records verified so far\n`).join('');
  beforeAll(async () => {
    t = await driver.create();
    await t.model.db.snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN']),
      at('2026-10-01T00:00:00Z'),
    );
    for (let i = 1; i <= SNAPSHOTS; i++)
      await t.model.db.snapshots.record(
        long,
        tenant,
        users([`u${i % 5}`, i % 2 ? 'STANDARD' : 'ADMIN']),
        new Date(Date.UTC(2026, 9, 1) + i * 3_600_000),
      );
  }, 180_000);
  afterAll(async () => {
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the records verified so far on stderr as it reads or exports a chain; stdout stays JSON', async () => {
    const one = ['--url', t.url, '--connection', 'finance/long', '--tenant', tenant.tenantId];
    const every = ['--progress-every', '0s'];
    const read = await xaoModel('verify-chain', ...one, ...every);
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout)).toMatchObject({ ok: true, length: SNAPSHOTS });
    expect(read.stderr).toBe(progress(long, [200, 400, 450]));

    const file = join(dir, 'long.json');
    const exported = await xaoModel('verify-chain', ...one, ...every, '--export', file);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toEqual(JSON.parse(read.stdout));
    expect(exported.stderr).toBe(progress(long, [200, 400, 450]));
    expect(JSON.parse(readFileSync(file, 'utf8')).records).toHaveLength(SNAPSHOTS);

    // Every 10 s by default: a quick verification says nothing but its result.
    expect(await xaoModel('verify-chain', ...one)).toMatchObject({ code: 0, stderr: '' });
  });

  it('reports them within each chain of --all, between the lines; stdout stays the table', async () => {
    const all = await xaoModel('verify-chain', '--all', '--url', t.url, '--progress-every', '0s');
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')).toEqual([
      'CONNECTION\tTENANT\tSEQUENCES\tHEAD\tRESULT',
      expect.stringMatching(/^finance\/acme\t.*\tok$/),
      expect.stringMatching(new RegExp(`^finance/long\t${tenant.tenantId}\t1-${SNAPSHOTS}\t`)),
      '2 chains verified: 2 intact, 0 failed',
      '',
    ]);
    expect(all.stderr).toBe(
      `xao-model: ${named(acme)}: 1 record verified so far\n` +
        'xao-model: 1 of 2 chains verified so far\n' +
        progress(long, [200, 400, 450]),
    );
  });

  it('takes --progress-every for an export file too, and refuses one that is not a duration', async () => {
    const file = join(dir, 'offline.json');
    await xaoModel(...['verify-chain', '--url', t.url, '--connection', 'finance/long'],
      ...['--tenant', tenant.tenantId, '--export', file]); // prettier-ignore
    const offline = await xaoModel('verify-chain', '--file', file, '--progress-every', '0s');
    expect(offline.code).toBe(0);
    expect(JSON.parse(offline.stdout)).toMatchObject({ ok: true, length: SNAPSHOTS });
    const lines = offline.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatch(new RegExp(`^xao-model: ${file}: \\d+ records? verified so far$`));

    expect(await xaoModel('verify-chain', '--file', file, '--progress-every', '10')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "error: option '--progress-every <duration>' argument '10' is invalid. must be a duration such as 500ms, 30s, 5m or 1h\n",
    });
  });
});

describe('xao-model migrate on a SQLite file that does not exist yet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xao-cli-new-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates it and its folder, a database verify-chain then reads (and finds empty)', async () => {
    const path = join(dir, 'new', 'xao.db');
    expect(await xaoModel('migrate', '--url', `sqlite://${path}`)).toMatchObject({
      code: 0,
      stderr: '',
    });
    expect(existsSync(path)).toBe(true);
    expect(await xaoModel('verify-chain', '--all', '--url', `sqlite://${path}`)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'xao-model: the database holds no snapshot chains: nothing to verify\n',
    });
  });
});

describe.each(testDrivers)(
  'xao-model verify-chain on an unmigrated database on $dialect',
  (driver) => {
    let t: TestModel;
    // A backup taken before the chain checkpoints, restored before the migration Job ran.
    const checkpoints = ALL.indexOf('Migration20261207154500_snapshot_chain_checkpoint');
    const missing = ALL.slice(checkpoints);
    beforeAll(async () => {
      t = await driver.create({ migrate: false });
      await t.model.orm.getMigrator<Migrator>().up({ to: ALL[checkpoints - 1] });
    });
    afterAll(async () => t?.dispose());

    it('refuses it, naming the missing migrations and how to apply them, then verifies once migrated', async () => {
      const refusal =
        `xao-model: the database schema is older than this build: it lacks migrations ${missing.join(', ')}, ` +
        'so xao-model verify-chain of this build cannot read it. Apply the migrations first: ' +
        'xao-model migrate --url <a DATABASE_URL whose user may change the schema>, or with the Helm chart ' +
        'its migration Job (helm upgrade runs it before the apps start); then run xao-model verify-chain again.\n';
      expect(await xaoModel('verify-chain', '--all', '--url', t.url)).toEqual({
        code: 2,
        stdout: '',
        stderr: refusal,
      });
      const one = ['--connection', 'finance/acme', '--tenant', tenant.tenantId];
      expect(await xaoModel('verify-chain', '--url', t.url, ...one)).toEqual({
        code: 2,
        stdout: '',
        stderr: refusal,
      });

      expect(await xaoModel('migrate', '--url', t.url)).toMatchObject({ code: 0 });
      await t.model.db.snapshots.record(
        acme,
        tenant,
        users(['u1', 'ADMIN']),
        at('2026-12-08T00:00:00Z'),
      );
      expect(await xaoModel('verify-chain', '--all', '--url', t.url)).toMatchObject({
        code: 0,
        stderr: '',
      });
      expect(await xaoModel('verify-chain', '--url', t.url, ...one)).toMatchObject({ code: 0 });
    });
  },
);

describe.each(testDrivers)('xao-model migrate on $dialect', (driver) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await driver.create({ migrate: false });
  });
  afterAll(async () => t?.dispose());

  it('applies the pending migrations from XAO_DATABASE_URL, then finds none', async () => {
    const first = await xaoModelWith({ XAO_DATABASE_URL: t.url }, 'migrate');
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^applied: Migration\d+_initial, /);
    expect(await t.model.pendingMigrations()).toEqual([]);
    expect(await xaoModelWith({ XAO_DATABASE_URL: t.url }, 'migrate')).toMatchObject({
      code: 0,
      stdout: 'up to date\n',
    });
  });

  it('then counts the active users of snapshots stored without them', async () => {
    await t.model.db.snapshots.record(
      acme,
      tenant,
      users(['a', 'ADMIN'], ['b', 'REMOVED']),
      at('2026-11-01T00:00:00Z'),
    );
    await t.model.orm.em.getConnection().execute('update snapshot set active_user_count = null');
    expect(await xaoModelWith({ XAO_DATABASE_URL: t.url }, 'migrate')).toMatchObject({
      code: 0,
      stdout: 'up to date\ncounted the active users of 1 older snapshot\n',
    });
    const [row] = await t.model.orm.em
      .getConnection()
      .execute<{ active: number }[]>('select active_user_count as active from snapshot');
    expect(row).toEqual({ active: 1 });
  });

  it('then redacts the webhook targets stored in full', async () => {
    const em = t.model.orm.em.fork();
    em.create(WebhookDelivery, {
      id: newId(),
      eventType: 'finding.opened',
      eventId: 'evt-cli',
      target: 'https://hooks.legacy.test/services/T0001/B0001/l3g4cyT0k3n',
      payload: {},
      status: 'delivered',
      attempts: 1,
      createdAt: at('2026-11-01T00:00:00Z'),
      updatedAt: at('2026-11-01T00:00:00Z'),
    });
    await em.flush();
    expect(await xaoModelWith({ XAO_DATABASE_URL: t.url }, 'migrate')).toMatchObject({
      code: 0,
      stdout: 'up to date\nredacted 1 webhook target stored in full\n',
    });
    expect(JSON.stringify((await t.model.db.webhooks.list()).items)).not.toContain('l3g4cy');
  });

  // PostgreSQL only (its keys are transaction ids): registered for it alone, not skipped for SQLite.
  if (driver.dialect === 'postgresql')
    it("then moves the finding changes feed's positions past those of a restored dump", async () => {
      const s = await t.model.db.snapshots.record(
        acme,
        tenant,
        users(['a', 'STANDARD']),
        at('2026-11-02T00:00:00Z'),
      );
      await t.model.db.findings.apply(acme, s.id, [unidentified('a')]);
      // As a dump of a server whose transaction ids were far ahead of this one's.
      await t.model.orm.em
        .getConnection()
        .execute('update finding_event set feed_key = feed_key + 1000000000000');
      expect(await xaoModelWith({ XAO_DATABASE_URL: t.url }, 'migrate')).toMatchObject({
        code: 0,
        stdout:
          "up to date\nmoved the finding changes feed's positions past the restored events (the database was restored into another server or back in time)\n",
      });
      expect(await xaoModelWith({ XAO_DATABASE_URL: t.url }, 'migrate')).toMatchObject({
        code: 0,
        stdout: 'up to date\n',
      });
    });
});

describe('xao-model migrate on PostgreSQL that cannot be reached', () => {
  const password = 'Pa55-w0rd';

  it("names XAO_DATABASE_URL's sslrootcert when the CA file is missing, at once", async () => {
    const missing = join(tmpdir(), 'xao-cli-missing', 'ca.crt');
    const result = await xaoModelWith(
      {
        XAO_DATABASE_URL: `postgres://xao:${password}@127.0.0.1:5432/xao?sslmode=verify-full&sslrootcert=${missing}`,
      },
      'migrate',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `xao-model: XAO_DATABASE_URL's sslrootcert names ${JSON.stringify(missing)}, which cannot be read (no such file): put the file there or correct the path in XAO_DATABASE_URL.\n`,
    );
  });

  it('waits DATABASE_STARTUP_WAIT for a database that does not answer, logging each wait, then names it', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));

    const result = await xaoModelWith(
      {
        XAO_DATABASE_URL: `postgres://xao:${password}@127.0.0.1:${port}/xao`,
        DATABASE_STARTUP_WAIT: '2s',
      },
      'migrate',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `xao-model: database not available yet; retrying (PostgreSQL at 127.0.0.1:${port}, ECONNREFUSED, again in 1 s)\n`,
    );
    expect(result.stderr).toMatch(
      new RegExp(
        `xao-model: The database the migration is configured with \\(PostgreSQL at 127\\.0\\.0\\.1:${port}, XAO_DATABASE_URL\\) is not available \\(ECONNREFUSED\\) after \\d+ s of trying: .*, or wait longer with DATABASE_STARTUP_WAIT\\.\\n$`,
      ),
    );
    expect(result.stderr).not.toContain(password);
  });
});
