import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSeed } from './seed/schema.js';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
});

function run(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) return line;
  throw new Error('the CLI printed nothing');
}

const exitOf = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => child.once('exit', (code) => resolve(code)));

describe('xero-sandbox CLI', () => {
  it('serves the example organisations and prints ids, secrets and the refresh token as one JSON line', async () => {
    const child = run(['--port', '0']);
    const info = JSON.parse(await firstLine(child)) as {
      url: string;
      apps: { clientId: string; clientSecret: string; kind: string }[];
      tenants: { name: string }[];
      grants: { refreshToken: string }[];
    };
    expect(info.tenants.map((t) => t.name)).toEqual(['Acme Finance Ltd', 'Acme Payments Pty Ltd']);
    expect(info.apps.map((a) => a.kind)).toEqual(['standard', 'custom-connection']);
    const app = info.apps[0]!;
    const token = await fetch(`${info.url}/identity/connect/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: info.grants[0]!.refreshToken,
      }).toString(),
    });
    expect(token.status).toBe(200);
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);

  it('generates a large seed file that validates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xero-sandbox-cli-'));
    try {
      const out = join(dir, 'big.json');
      const child = run(['generate', '--tenants', '50', '--users', '4', '--out', out]);
      expect(await exitOf(child)).toBe(0);
      const seed = parseSeed(JSON.parse(await readFile(out, 'utf8')));
      expect(seed.tenants).toHaveLength(50);
      expect(seed.tenants.every((t) => t.users.length === 4)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('exits non-zero with the reason for a bad seed file', async () => {
    const child = run(['--seed', '/nonexistent/seed.yaml']);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitOf(child)).toBe(1);
    expect(stderr).toMatch(/xero-sandbox: .*ENOENT/);
  }, 30_000);

  it.each([
    [
      ['generate', '--format', 'xml'],
      "option '--format <format>' argument 'xml' is invalid. Allowed choices are json, yaml.",
    ],
    [
      ['--port', '-1'],
      `option '-p, --port <port>' argument '-1' is invalid. expected a TCP port from 0 to 65535, got "-1"`,
    ],
    [
      ['serve', '--port', '70000'],
      `option '-p, --port <port>' argument '70000' is invalid. expected a TCP port from 0 to 65535, got "70000"`,
    ],
    [
      ['generate', '--tenants', 'many'],
      `option '--tenants <n>' argument 'many' is invalid. expected a non-negative integer, got "many"`,
    ],
    [['serve', '--seeed', 'x.yaml'], "unknown option '--seeed'"],
  ])(
    'exits 2 on a bad command line, naming the option: %j',
    async (args, said) => {
      const child = run(args);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      expect(await exitOf(child)).toBe(2);
      expect(stderr).toContain(`error: ${said}`);
    },
    30_000,
  );
});
