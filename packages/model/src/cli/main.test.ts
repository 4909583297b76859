import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, 'main.ts');

/** xao-model from its source, without a database: these are refused before one is opened. */
async function xaoModel(...args: string[]): Promise<{ code: number; stderr: string }> {
  return xaoModelWith({}, ...args);
}

async function xaoModelWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      {
        env: { ...process.env, XAO_DATABASE_URL: '', ...env },
      },
    );
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('xao-model usage errors', () => {
  it('exits 2 (1 says a chain is broken), naming the command or option at fault', async () => {
    expect(await xaoModel('nosuch')).toEqual({
      code: 2,
      stderr: "error: unknown command 'nosuch'\n",
    });
    expect(
      await xaoModel('verify-chain', '--connection', 'finance/acme/extra', '--tenant', 't1'),
    ).toEqual({
      code: 2,
      stderr:
        "error: option '--connection <namespace/name>' argument 'finance/acme/extra' is invalid. expected <namespace>/<name>\n",
    });
    // --file verifies the file alone: a database option beside it would be ignored.
    const beside = [
      ['--connection', 'finance/acme', '--connection <namespace/name>'],
      ['--tenant', 't1', '--tenant <tenantId>'],
      ['--url', 'sqlite://x.db', '--url <url>'],
      ['--export', 'out.json', '--export <path>'],
    ] as const;
    const refused = await Promise.all(
      beside.map(([option, value]) =>
        xaoModel('verify-chain', '--file', 'chain.json', option, value),
      ),
    );
    expect(refused).toEqual(
      beside.map(([, , flags]) => ({
        code: 2,
        stderr: `error: option '--file <path>' cannot be used with option '${flags}'\n`,
      })),
    );
  }, 60_000);
});

describe('xao-model verify-chain on a SQLite file that does not exist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xao-cli-missing-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const one = ['--connection', 'finance/acme', '--tenant', 't1'];
  const missing = (setting: string, path: string) => ({
    code: 2,
    stderr: `xao-model: ${setting}: no SQLite database at ${path}: the file does not exist (it is not created here); name the file the apps use\n`,
  });

  it('refuses a mistyped path (exit 2) naming --url and the path, creating neither file nor folder', async () => {
    const typo = join(dir, 'typo', 'xao.db');
    expect(await xaoModel('verify-chain', '--url', `sqlite://${typo}`, ...one)).toEqual(
      missing('--url', typo),
    );
    expect(await xaoModel('verify-chain', '--url', `sqlite://${typo}`, '--all')).toEqual(
      missing('--url', typo),
    );
    const exported = join(dir, 'chain.json');
    expect(
      await xaoModel('verify-chain', '--url', `sqlite://${typo}`, ...one, '--export', exported),
    ).toEqual(missing('--url', typo));
    expect(existsSync(join(dir, 'typo'))).toBe(false);
    expect(existsSync(exported)).toBe(false);

    const beside = join(dir, 'xoa.db');
    expect(
      await xaoModelWith({ XAO_DATABASE_URL: `sqlite://${beside}` }, 'verify-chain', '--all'),
    ).toEqual(missing('XAO_DATABASE_URL', beside));
    expect(existsSync(beside)).toBe(false);
  }, 60_000);

  it('refuses sqlite::memory: and a folder: neither is the database the apps use', async () => {
    expect(await xaoModel('verify-chain', '--url', 'sqlite::memory:', '--all')).toEqual({
      code: 2,
      stderr:
        'xao-model: --url: sqlite::memory: is a new, empty database: name the SQLite file the apps use (sqlite:///path/to/file.db)\n',
    });
    expect(await xaoModel('verify-chain', '--url', `sqlite://${dir}`, ...one)).toEqual({
      code: 2,
      stderr: `xao-model: --url: ${dir} is not a file: name the SQLite file the apps use\n`,
    });
  }, 60_000);
});
