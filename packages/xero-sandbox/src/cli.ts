#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { exitOnUsageError } from '@xero-access/cli-exit';
import { Command, InvalidArgumentError, Option } from 'commander';
import { stringify as toYaml } from 'yaml';
import { loadSeedFile } from './seed/load.js';
import { generateSeed } from './seed/generate.js';
import { startSandbox } from './server.js';

const integer = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return parsed;
};

const port = (value: string): number => {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed > 65535)
    throw new InvalidArgumentError(`expected a TCP port from 0 to 65535, got "${value}"`);
  return parsed;
};

interface ServeOptions {
  port: number;
  host: string;
  seed?: string;
  graceMs?: number;
  accessTokenTtlMs?: number;
  refreshTokenTtlMs?: number;
  tenantConcurrent?: number;
  tenantPerMinute?: number;
  tenantPerDay?: number;
  appPerMinute?: number;
  minuteWindowMs?: number;
  dayWindowMs?: number;
  identityPath?: string;
  loginPath?: string;
  apiPath?: string;
  adminPath?: string;
  log?: boolean;
}

const definedOnly = <T extends object>(input: T): Partial<T> =>
  Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>;

async function serve(options: ServeOptions): Promise<void> {
  const sandbox = await startSandbox({
    port: options.port,
    host: options.host,
    ...(options.seed ? { seed: await loadSeedFile(options.seed) } : {}),
    ...definedOnly({
      grantGraceMs: options.graceMs,
      accessTokenTtlMs: options.accessTokenTtlMs,
      refreshTokenTtlMs: options.refreshTokenTtlMs,
    }),
    limits: definedOnly({
      tenantConcurrent: options.tenantConcurrent,
      tenantPerMinute: options.tenantPerMinute,
      tenantPerDay: options.tenantPerDay,
      appPerMinute: options.appPerMinute,
      minuteWindowMs: options.minuteWindowMs,
      dayWindowMs: options.dayWindowMs,
    }),
    paths: definedOnly({
      identity: options.identityPath,
      login: options.loginPath,
      api: options.apiPath,
      admin: options.adminPath,
    }),
    // Logs go to stderr: stdout carries exactly one JSON line for scripts to read.
    logger: options.log ? { level: 'info', stream: process.stderr } : false,
  });
  const { url, identityUrl, loginUrl, apiUrl, adminUrl, limits, apps, tenants, grants } = sandbox;
  process.stdout.write(
    `${JSON.stringify({ url, identityUrl, loginUrl, apiUrl, adminUrl, limits, apps, tenants, grants })}\n`,
  );
  const stop = async () => {
    await sandbox.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

const program = new Command()
  .name('xero-sandbox')
  .description("A faithful stand-in for Xero's identity and accounting APIs, on one loopback port.")
  // Before the commands (they inherit it): a bad command line exits 2, a sandbox that fails 1.
  .exitOverride(exitOnUsageError);

program
  .command('serve', { isDefault: true })
  .description('serve the sandbox (the built-in example organisations unless --seed is given)')
  .option('-p, --port <port>', 'TCP port (0 = any free port)', port, 0)
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('-s, --seed <file>', 'seed file (.json, .yaml or .yml)')
  .option('--grace-ms <ms>', 'rotated refresh token grace window', integer)
  .option('--access-token-ttl-ms <ms>', 'access token lifetime', integer)
  .option('--refresh-token-ttl-ms <ms>', 'refresh token lifetime', integer)
  .option('--tenant-concurrent <n>', 'calls in flight per app per tenant', integer)
  .option('--tenant-per-minute <n>', 'calls per app per tenant per minute window', integer)
  .option('--tenant-per-day <n>', 'calls per app per tenant per day window', integer)
  .option('--app-per-minute <n>', 'calls per app per minute window', integer)
  .option('--minute-window-ms <ms>', 'length of the minute window', integer)
  .option('--day-window-ms <ms>', 'length of the day window', integer)
  .option(
    '--identity-path <path>',
    'mount point standing in for https://identity.xero.com',
    '/identity',
  )
  .option('--login-path <path>', 'mount point standing in for https://login.xero.com', '/login')
  .option('--api-path <path>', 'mount point standing in for https://api.xero.com', '/api')
  .option('--admin-path <path>', 'mount point of the admin endpoint', '/_sandbox')
  .option('--log', 'request logs on stderr')
  .action(serve);

program
  .command('generate')
  .description(
    'write a large seed: N organisations of M users, one app and one grant connecting them all',
  )
  .option('--tenants <n>', 'number of organisations', integer, 1)
  .option('--users <n>', 'users in each organisation', integer, 5)
  .option('--random-seed <n>', 'same number, same ids', integer, 1)
  .addOption(
    new Option('--format <format>', 'seed format').choices(['json', 'yaml']).default('json'),
  )
  .option('-o, --out <file>', 'write to this file instead of stdout')
  .action(
    async (options: {
      tenants: number;
      users: number;
      randomSeed: number;
      format: 'json' | 'yaml';
      out?: string;
    }) => {
      const seed = generateSeed({
        tenants: options.tenants,
        usersPerTenant: options.users,
        randomSeed: options.randomSeed,
      });
      const text = options.format === 'yaml' ? toYaml(seed) : JSON.stringify(seed);
      if (options.out) await writeFile(options.out, text);
      else process.stdout.write(`${text}\n`);
    },
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`xero-sandbox: ${(error as Error).message}\n`);
  process.exit(1);
});
