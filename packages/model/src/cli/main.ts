#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { connectWithRetry } from '../database/connect-with-retry.js';
import { databaseStartupWait, durationSetting } from '../database/startup-wait.js';
import { parseExpectedLinks } from '../hashing/expected-link.js';
import type { ChainVerification } from '../hashing/snapshot-hash.js';
import type { BackfillResult } from '../migrations/backfill.js';
import { safeErrorMessage } from '../logging/error-serializer.js';
import { BACKFILL_BUDGET_MS, createOrm, type ModelOrm } from '../orm/create-orm.js';
import {
  PROGRESS_EVERY_MS,
  recordsVerifiedProgress,
  verifyChainExportFile,
} from '../snapshots/chain-export.js';
import { reportChainVerification } from './chain-report.js';
import { connectionArg } from './connection-arg.js';
import { EXIT_CHECK_FAILED, EXIT_ERROR, exitOnUsageError } from './exit-codes.js';
import { verifyAllChains } from './verify-all.js';
import { writeExport } from './write-export.js';

const DATABASE_URL_ENV = 'XAO_DATABASE_URL';
/** The apps' setting: how long `migrate` waits for a database that is still starting. */
const STARTUP_WAIT_ENV = 'DATABASE_STARTUP_WAIT';
const MIGRATE_POOL_MAX = 2;

function databaseUrl(option: string | undefined): string {
  const url = option ?? process.env[DATABASE_URL_ENV];
  if (!url) throw new InvalidArgumentError(`--url or ${DATABASE_URL_ENV} is required`);
  return url;
}

/** The setting the URL came from, for errors about it. */
function urlSetting(option: string | undefined): string {
  return option === undefined ? DATABASE_URL_ENV : '--url';
}

function startupWaitMs(): number {
  const parsed = databaseStartupWait.safeParse(process.env[STARTUP_WAIT_ENV] || undefined);
  if (!parsed.success)
    throw new InvalidArgumentError(
      `${STARTUP_WAIT_ENV} ${parsed.error.issues[0]?.message ?? 'is not a duration'}`,
    );
  return parsed.data;
}

/** `--progress-every`: a duration as the apps' settings take one (0s: at every page). */
function progressEvery(value: string): number {
  const parsed = durationSetting.safeParse(value);
  if (!parsed.success)
    throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'is not a duration');
  return parsed.data;
}

/** Progress lines go to stderr: stdout holds only the result (JSON, or --all's table). */
const progressLine = (line: string) => process.stderr.write(`xao-model: ${line}\n`);

const waitLogger = {
  warn(details: { database?: string; cause?: string; retryInMs?: number }, message: string) {
    process.stderr.write(
      `xao-model: ${message} (${details.database}, ${details.cause}, again in ${(details.retryInMs ?? 0) / 1000} s)\n`,
    );
  },
};

const report = (result: ChainVerification, chain: string) =>
  reportChainVerification(result, chain, 'xao-model');

/** What the backfill after the migrations did, when there is anything to say. */
function backfillLine(result: BackfillResult | undefined): string {
  if (!result) return '';
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const did = [
    result.feedRebased
      ? "moved the finding changes feed's positions past the restored events (the database was restored into another server or back in time)"
      : '',
    result.redacted > 0
      ? `redacted ${plural(result.redacted, 'webhook target')} stored in full`
      : '',
    result.counted > 0
      ? `counted the active users of ${plural(result.counted, 'older snapshot')}`
      : '',
  ].filter(Boolean);
  if (result.state !== 'done')
    did.push(
      result.state === 'elsewhere'
        ? 'another process is filling what the migrations left (webhook targets stored in full, active users of older snapshots)'
        : 'what is left (webhook targets stored in full, active users of older snapshots, counted when read meanwhile) is filled by the next migrate',
    );
  return did.length ? `${did.join('; ')}\n` : '';
}

/**
 * Opens the database for `verify-chain`, as it is: a SQLite file that does not exist (a mistyped
 * path), `sqlite::memory:` or a folder is refused naming the setting and the path, never created
 * as a new, empty database (`mustExist`; only `migrate` creates one). It refuses one that lacks
 * this build's migrations (a backup restored from before them): its queries would fail on a
 * missing table instead.
 */
async function openToRead(url: string | undefined): Promise<ModelOrm> {
  const model = await createOrm({
    url: databaseUrl(url),
    urlSetting: urlSetting(url),
    mustExist: true,
  });
  try {
    await model.assertSchemaNotOlder({ command: 'xao-model verify-chain' });
    return model;
  } catch (error) {
    await model.close().catch(() => undefined);
    throw error;
  }
}

const emptyChain: ChainVerification = {
  ok: true,
  length: 0,
  headSequence: null,
  headHash: null,
  problems: [],
};

const program = new Command('xao-model')
  .description('Database tasks for xero-access-operator.')
  .exitOverride(exitOnUsageError);

program
  .command('migrate')
  .description('apply pending migrations (PostgreSQL or SQLite, chosen by the URL)')
  .option('--url <url>', `database URL (default: $${DATABASE_URL_ENV})`)
  .addHelpText(
    'after',
    `\nWaits up to $${STARTUP_WAIT_ENV} (default 2m) for a database that is still starting. Then fills what the migrations leave to fill (webhook targets an earlier version stored in full are redacted, older snapshots get their active user count) for up to ${BACKFILL_BUDGET_MS / 1000} s. After a restore into another PostgreSQL server (or back in time) it first moves the finding changes feed's positions past the restored events.`,
  )
  .action(async (options: { url?: string }) => {
    const model = await connectWithRetry({
      app: 'migration',
      url: databaseUrl(options.url),
      urlSetting: urlSetting(options.url),
      migrate: true,
      // One session migrates or counts at a time (plus the advisory lock's own): a known share of
      // the database's connections.
      poolMax: MIGRATE_POOL_MAX,
      waitMs: startupWaitMs(),
      waitSetting: STARTUP_WAIT_ENV,
      logger: waitLogger,
    });
    try {
      const applied = model.migrated;
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
      process.stdout.write(backfillLine(model.backfilled));
    } finally {
      await model.close();
    }
  });

program
  .command('verify-chain')
  .description(
    "recompute every hash of a tenant's snapshot chain, or of every chain (--all); exit 1 on any problem or an empty chain",
  )
  .option('--url <url>', `database URL (default: $${DATABASE_URL_ENV})`)
  .option('--connection <namespace/name>', 'the XeroConnection', connectionArg)
  .option('--tenant <tenantId>', 'the Xero tenant id')
  .option(
    '--all',
    'every chain in the database (each connection and tenant, deleted connections too): a line per chain, then a summary',
  )
  .addOption(
    new Option(
      '--file <path>',
      'verify a chain export (--export, or GET /snapshots/chain of the admin API; any version) instead of the database',
    ).conflicts(['url', 'connection', 'tenant', 'export']),
  )
  .option(
    '--export <path>',
    'also write the chain read from the database to this file (with --all: into this folder, a file <namespace>_<name>_<tenantId>.json per chain)',
  )
  .option(
    '--expect <sequence:chainHash>',
    'a link the chain must hold, e.g. <headSequence>:<headHash> of an earlier verification: catches snapshots deleted from the head (repeatable; not with --all)',
    (value: string, previous: string[] = []) => [...previous, value],
  )
  .option(
    '--progress-every <duration>',
    `how often a long verification reports the records verified so far on stderr, e.g. 30s or 1m (default ${PROGRESS_EVERY_MS / 1000}s)`,
    progressEvery,
  )
  .action(
    async (options: {
      url?: string;
      connection?: { namespace: string; name: string };
      tenant?: string;
      all?: boolean;
      file?: string;
      export?: string;
      expect?: string[];
      progressEvery?: number;
    }) => {
      if (options.all) {
        if (options.connection || options.tenant || options.file)
          throw new InvalidArgumentError(
            '--all verifies every chain in the database: leave out --connection, --tenant and --file',
          );
        if (options.expect)
          throw new InvalidArgumentError(
            '--expect names links of one chain: give it with --connection and --tenant, or with --file',
          );
        await verifyAll(options);
        return;
      }
      const expect = parseExpectedLinks(options.expect ?? [], '--expect');
      if (options.file) {
        report(
          await verifyChainExportFile(options.file, progressLine, options.progressEvery, expect),
          options.file,
        );
        return;
      }
      if (!options.connection || !options.tenant)
        throw new InvalidArgumentError('--connection and --tenant are required (or --file)');
      const model = await openToRead(options.url);
      try {
        const { namespace, name } = options.connection;
        const described = `${namespace}/${name} tenant ${options.tenant}`;
        const chain = `the snapshot chain of ${described}`;
        const progress = recordsVerifiedProgress(described, progressLine, options.progressEvery);
        if (!options.export) {
          report(
            await model.db.snapshots.verifyChain(options.connection, options.tenant, {
              expect,
              progress,
            }),
            chain,
          );
          return;
        }
        const stream = await model.db.snapshots.exportChain(options.connection, options.tenant, {
          expect,
          progress,
        });
        // The verification of exactly what was written, not of a second read.
        report(stream ? await writeExport(stream, options.export) : emptyChain, chain);
      } finally {
        await model.close();
      }
    },
  );

/** `verify-chain --all`: exit 1 when any chain fails, or when there is none (nothing proven). */
async function verifyAll(options: {
  url?: string;
  export?: string;
  progressEvery?: number;
}): Promise<void> {
  const model = await openToRead(options.url);
  try {
    const result = await verifyAllChains(model.db, {
      out: (line) => process.stdout.write(`${line}\n`),
      progress: progressLine,
      everyMs: options.progressEvery,
      exportDir: options.export,
    });
    if (result.chains === 0)
      process.stderr.write('xao-model: the database holds no snapshot chains: nothing to verify\n');
    if (result.chains === 0 || result.failed.length > 0 || result.gaps.length > 0)
      process.exitCode = EXIT_CHECK_FAILED;
  } finally {
    await model.close();
  }
}

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`xao-model: ${safeErrorMessage(error)}\n`);
  process.exitCode = EXIT_ERROR;
});
