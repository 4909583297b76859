#!/usr/bin/env node
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  API_TOKEN_ROLES,
  connectionArg,
  EXIT_ERROR,
  exitOnUsageError,
  MAX_PAGE_SIZE,
  parseExpectedLinks,
  reportChainVerification,
  safeErrorMessage,
  verifyChainExportFile,
} from '@xero-access/model';
import pino from 'pino';
import { openModel } from './app/runtime.js';
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

/** The commands' own output is on stdout: their logs (e.g. waiting for the database) go to stderr. */
function openCommandModel() {
  const config = loadConfig();
  return openModel(
    config,
    createLogger(config.logLevel, pino.destination({ dest: 2, sync: true })),
  );
}

/** As the HTTP API reads a date-time: a time without a zone would be read in this machine's zone. */
const parseDate = (value: string) => {
  const parsed = dateTime.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(DATE_TIME_PROBLEM);
  return parsed.data;
};

token
  .command('create')
  .description(
    'create a token and print it once (only its hash is stored; audited as cli:<--actor>)',
  )
  .requiredOption('--name <name>', 'unique name, e.g. ci or okta-scim')
  .addOption(
    new Option('--role <role>', 'viewer < reviewer < admin, or scim')
      .choices([...API_TOKEN_ROLES])
      .makeOptionMandatory(),
  )
  .option('--expires <date>', 'expiry, with a zone (e.g. 2027-03-01T00:00:00Z)', parseDate)
  .option(
    '--owner-email <email>',
    "the person the token acts for: reviews then refuse that person's decisions on their own access",
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
      const model = await openCommandModel();
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
  .description('list tokens (never their secrets)')
  .action(async () => {
    const model = await openCommandModel();
    try {
      let cursor: string | null = null;
      do {
        const page = await model.db.tokens.list({ limit: MAX_PAGE_SIZE, cursor });
        for (const t of page.items) {
          process.stdout.write(
            `${t.id}\t${t.name}\t${t.role}\t${t.prefix}…\t${t.revokedAt ? 'revoked' : 'active'}\n`,
          );
        }
        cursor = page.nextCursor;
      } while (cursor);
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
    const model = await openCommandModel();
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
      if (options.file) {
        const progress = (line: string) => process.stderr.write(`admin-api: ${line}\n`);
        const result = await verifyChainExportFile(options.file, progress, undefined, expect);
        reportChainVerification(result, options.file, 'admin-api');
        return;
      }
      if (!options.connection || !options.tenant)
        throw new InvalidArgumentError(
          'give --file, or --connection <namespace/name> and --tenant',
        );
      const { namespace, name } = options.connection;
      const model = await openCommandModel();
      try {
        const result = await model.db.snapshots.verifyChain(options.connection, options.tenant, {
          expect,
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
