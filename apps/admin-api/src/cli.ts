#!/usr/bin/env node
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  API_TOKEN_ROLES,
  apiTokenState,
  type ApiTokenRecord,
  connectionArg,
  DEFAULT_DATABASE_URL,
  EXIT_ERROR,
  exitOnUsageError,
  MAX_PAGE_SIZE,
  parseExpectedLinks,
  recordsVerifiedProgress,
  reportChainVerification,
  safeErrorMessage,
  tokenExpiryProblem,
  tokenNameProblem,
  tokenOwnerEmailProblem,
  verifyChainExportFile,
} from '@xero-access/model';
import { markdownTable } from 'markdown-table';
import pino from 'pino';
import { openExistingModel } from './app/runtime.js';
import { startServer } from './app/serve.js';
import { CLI_ACTOR_ENV, cliActor } from './audit/cli-actor.js';
import { loadConfig } from './config/config.js';
import { DATE_TIME_PROBLEM, dateTime } from './http/date-time.js';
import { createLogger } from './logging/logger.js';
import { generateOpenApiJson } from './openapi/generate.js';

const program = new Command('admin-api')
  .description('xero-access-operator admin API')
  .exitOverride(exitOnUsageError)
  // `serve` is the default command: a first word naming no command would be an argument to it.
  .hook('preSubcommand', (self, command) => {
    const [first] = self.args;
    if (first !== undefined && !first.startsWith('-') && first !== command.name())
      self.error(`error: unknown command '${first}'`, { code: 'commander.unknownCommand' });
  });

program
  .command('serve', { isDefault: true })
  .description('run the HTTP API (configuration from the environment, see README)')
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const server = await startServer(config, logger);
    // Drains first (SHUTDOWN_DRAIN_SECONDS); a second signal finds no handler and ends it at once.
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void server.shutdown().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });

const token = program.command('token').description('API tokens');

/** Who runs a token change: in a pod every person is the image's one OS user. */
const ACTOR_OPTION = [
  '--actor <name-or-email>',
  `who runs this, as the audit log names them (cli:<actor>, the OS user in its details; default $${CLI_ACTOR_ENV}, else only the OS user)`,
] as const;

/**
 * The database the API uses, as it is (openExistingModel: never migrated or created here). Only
 * an explicit DATABASE_URL: the API's default names a file that, outside the API's own container,
 * is a new, empty database. The commands' own output is on stdout: their logs (e.g. waiting for
 * the database) go to stderr.
 */
function openCommandModel(command: string) {
  if (!process.env.DATABASE_URL)
    throw new Error(
      `DATABASE_URL is not set: give the database the API uses (postgres://… or sqlite:///path/to/file.db); admin-api ${command} does not assume the API's default, ${DEFAULT_DATABASE_URL}`,
    );
  const config = loadConfig();
  return openExistingModel(
    config,
    createLogger(config.logLevel, pino.destination({ dest: 2, sync: true })),
    `admin-api ${command}`,
  );
}

/** A flag's value checked by the model's own rule before any database work; commander names the flag. */
const checkedBy = (problem: (value: string) => string | undefined) => (value: string) => {
  const found = problem(value);
  if (found) throw new InvalidArgumentError(found);
  return value;
};

/**
 * As the HTTP API reads a date-time (a time without a zone would be read in this machine's zone),
 * and in the future, as the model requires of a new token's expiry.
 */
const parseExpiry = (value: string) => {
  const parsed = dateTime.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(DATE_TIME_PROBLEM);
  const problem = tokenExpiryProblem(parsed.data);
  if (problem) throw new InvalidArgumentError(problem);
  return parsed.data;
};

/** `token list`'s table: what each token is and whether it is accepted, never its secret or hash. */
function tokenTable(tokens: ApiTokenRecord[], now = new Date()): string {
  const time = (date: Date | null) => date?.toISOString() ?? '-';
  return markdownTable([
    ['name', 'role', 'state', 'expiresAt', 'ownerEmail', 'lastUsedAt', 'prefix', 'id'],
    ...tokens.map((t) => [
      t.name,
      t.role,
      apiTokenState(t, now),
      time(t.expiresAt),
      t.ownerEmail ?? '-',
      time(t.lastUsedAt),
      `${t.prefix}…`,
      t.id,
    ]),
  ]);
}

token
  .command('create')
  .description(
    'create a token and print it once (only its hash is stored; audited as cli:<--actor>)',
  )
  .requiredOption(
    '--name <name>',
    'unique name, e.g. ci or okta-scim',
    checkedBy((name) => tokenNameProblem(name)),
  )
  .addOption(
    new Option('--role <role>', 'viewer < reviewer < admin, or scim')
      .choices([...API_TOKEN_ROLES])
      .makeOptionMandatory(),
  )
  .option(
    '--expires <date>',
    'expiry in the future, with a zone (e.g. 2027-03-01T00:00:00Z)',
    parseExpiry,
  )
  .option(
    '--owner-email <email>',
    "the person the token acts for: reviews then refuse that person's decisions on their own access",
    checkedBy((email) => tokenOwnerEmailProblem(email)),
  )
  .option(...ACTOR_OPTION)
  .action(
    async (options: {
      name: string;
      role: (typeof API_TOKEN_ROLES)[number];
      expires?: Date;
      ownerEmail?: string;
      actor?: string;
    }) => {
      const by = cliActor({ actor: options.actor });
      const model = await openCommandModel('token create');
      try {
        const created = await model.db.tokens.create({
          name: options.name,
          role: options.role,
          expiresAt: options.expires ?? null,
          ownerEmail: options.ownerEmail ?? null,
          by,
        });
        process.stderr.write(
          `created ${created.record.role} token ${created.record.name} (${created.record.id}); it is shown once:\n`,
        );
        process.stdout.write(`${created.token}\n`);
      } finally {
        await model.close();
      }
    },
  );

token
  .command('list')
  .description(
    'list tokens as a table, by name: state active, expired or revoked (never their secrets)',
  )
  .action(async () => {
    const model = await openCommandModel('token list');
    try {
      const tokens: ApiTokenRecord[] = [];
      let cursor: string | null = null;
      do {
        const page = await model.db.tokens.list({ limit: MAX_PAGE_SIZE, cursor });
        tokens.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      process.stdout.write(`${tokenTable(tokens)}\n`);
    } finally {
      await model.close();
    }
  });

token
  .command('revoke <id>')
  .description('revoke a token by id (audited as cli:<--actor>)')
  .option(...ACTOR_OPTION)
  .action(async (id: string, options: { actor?: string }) => {
    const by = cliActor({ actor: options.actor });
    const model = await openCommandModel('token revoke');
    try {
      await model.db.tokens.revoke(id, by);
      process.stdout.write(`revoked ${id}\n`);
    } finally {
      await model.close();
    }
  });

program
  .command('openapi')
  .description('write the OpenAPI document generated from the code')
  .option('--out <file>', 'file to write (default: stdout)')
  .action(async (options: { out?: string }) => {
    const text = await generateOpenApiJson();
    if (options.out) writeFileSync(options.out, text);
    else process.stdout.write(text);
  });

program
  .command('verify-chain')
  .description(
    "verify a tenant's snapshot hash chain: from the database, or offline from an exported chain file",
  )
  .option(
    '--connection <namespace/name>',
    'XeroConnection (with --tenant; reads DATABASE_URL)',
    connectionArg,
  )
  .option('--tenant <tenantId>', 'Xero tenant id')
  .addOption(
    new Option(
      '--file <file>',
      'a chain export (GET /snapshots/chain or xao-model --export; any version) to verify without the database',
    ).conflicts(['connection', 'tenant']),
  )
  .option(
    '--expect <sequence:chainHash>',
    'a link the chain must hold, e.g. <headSequence>:<headHash> of an earlier verification: catches snapshots deleted from the head (repeatable)',
    (value: string, previous: string[] = []) => [...previous, value],
  )
  .action(
    async (options: {
      connection?: { namespace: string; name: string };
      tenant?: string;
      file?: string;
      expect?: string[];
    }) => {
      const expect = parseExpectedLinks(options.expect ?? [], '--expect');
      // On stderr, from a file or the database: stdout holds only the result.
      const progress = (line: string) => process.stderr.write(`admin-api: ${line}\n`);
      if (options.file) {
        const result = await verifyChainExportFile(options.file, progress, undefined, expect);
        reportChainVerification(result, options.file, 'admin-api');
        return;
      }
      if (!options.connection || !options.tenant)
        throw new InvalidArgumentError(
          'give --file, or --connection <namespace/name> and --tenant',
        );
      const { namespace, name } = options.connection;
      const model = await openCommandModel('verify-chain');
      try {
        const result = await model.db.snapshots.verifyChain(options.connection, options.tenant, {
          expect,
          progress: recordsVerifiedProgress(
            `${namespace}/${name} tenant ${options.tenant}`,
            progress,
          ),
        });
        const chain = `the snapshot chain of ${namespace}/${name} tenant ${options.tenant}`;
        reportChainVerification(result, chain, 'admin-api');
      } finally {
        await model.close();
      }
    },
  );

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`admin-api: ${safeErrorMessage(error)}\n`);
  process.exit(EXIT_ERROR);
});
