import { statSync, type Stats } from 'node:fs';
import { MikroORM, type MigrationObject, type Options } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import { allEntities } from '../entities/index.js';
import { DEFAULT_POOL_MAX, poolMaxProblem } from '../database/pool-max.js';
import { ValidationError } from '../errors.js';
import { backfill, type BackfillResult } from '../migrations/backfill.js';
import { rebaseFindingFeed } from '../migrations/finding-feed-rebase.js';
import { postgresqlMigrations } from '../migrations/postgresql/index.js';
import { sqliteMigrations } from '../migrations/sqlite/index.js';
import { Database } from '../services/database.js';
import { parseDatabaseUrl, type Dialect } from './database-url.js';
import { withBackfillLock, withMigrationLock } from './migration-lock.js';
import { asMigrationLockTimeout, MIGRATION_LOCK_TIMEOUT_MS } from './migration-lock-timeout.js';
import { assertNoNewerMigrations } from './newer-schema.js';
import { assertNoPendingMigrations, type OlderSchemaContext } from './older-schema.js';
import { applySessionDefaults } from './session-settings.js';
import { beginImmediate } from './sqlite-immediate.js';
import { assertTlsFilesReadable } from './tls-files.js';

export interface CreateOrmOptions {
  /** `postgres://user:pass@host:5432/db`, `sqlite:///path/to/file.db` or `sqlite::memory:`. */
  url: string;
  /** Apply pending migrations before returning (default false: run them from a deploy step). */
  migrate?: boolean;
  /** PostgreSQL connections this process opens at most (default DEFAULT_POOL_MAX). */
  poolMax?: number;
  /** Log SQL through MikroORM's logger. */
  debug?: boolean;
  /** The setting `url` came from, named in errors about it (default DATABASE_URL, the apps'). */
  urlSetting?: string;
  /**
   * SQLite: open only a database file that exists, refusing (ValidationError naming `urlSetting`)
   * one that does not, or `sqlite::memory:`, before anything is created. Without it a missing file
   * is created, and its folder: a new, empty database. For a command that reads or changes the
   * database the apps use, where a mistyped path must not stand in for it.
   */
  mustExist?: boolean;
}

export interface ModelOrm {
  dialect: Dialect;
  orm: MikroORM<AbstractSqlDriver>;
  db: Database;
  /**
   * Applies pending migrations, all or nothing; returns their names. Throws NewerSchemaError,
   * applying nothing, when the database records migrations this build does not have, and
   * MigrationLockTimeoutError when one waited longer than MIGRATION_LOCK_TIMEOUT_MS for a table
   * (PostgreSQL). Then runs `backfill()` (its result in `backfilled`).
   */
  migrateUp(): Promise<string[]>;
  /**
   * Fills, in batches of short transactions, what migrations leave to fill (today: the webhook
   * targets an earlier version stored in full, redacted, and the active user count of older
   * snapshots) for up to `budgetMs` (default BACKFILL_BUDGET_MS). Best effort: what is left is
   * filled by the next call (counts are computed when read meanwhile). First, after a restore,
   * moves the changes feed's keys past the restored ones (PostgreSQL: rebaseFindingFeed).
   */
  backfill(budgetMs?: number): Promise<BackfillResult>;
  /** What the backfill of the last `migrateUp` did (undefined before one). */
  backfilled?: BackfillResult;
  /** Throws NewerSchemaError when the database records migrations this build does not have. */
  assertSchemaNotNewer(): Promise<void>;
  /**
   * Throws OlderSchemaError when a migration of this build is not applied; `migrationJob` (what
   * applies them instead, e.g. the Helm chart's Job) or `command` (a command refusing to read it)
   * is named in it. Only reads.
   */
  assertSchemaNotOlder(context?: OlderSchemaContext): Promise<void>;
  pendingMigrations(): Promise<string[]>;
  /** The migrations that `migrate: true` applied when opening (none without it). */
  migrated: string[];
  close(): Promise<void>;
}

export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/**
 * How long `migrateUp` spends on the backfill: an app that migrates as it starts must pass its
 * startup probe, and the chart's migration Job Helm's --timeout.
 */
export const BACKFILL_BUDGET_MS = 30_000;

/**
 * Run first in the migrations' transaction (PostgreSQL). lock_timeout: a migration that cannot
 * lock a table at once gives up after MIGRATION_LOCK_TIMEOUT_MS rather than make every query on
 * that table queue behind it; the run rolls back and can simply be run again. The pool's session
 * defaults are lifted: a migration may build an index for minutes, and does not idle.
 */
const MIGRATION_SESSION = [
  `set local lock_timeout = '${MIGRATION_LOCK_TIMEOUT_MS}ms'`,
  'set local statement_timeout = 0',
  'set local idle_in_transaction_session_timeout = 0',
];

/** Folder (relative to the package root) holding each dialect's migration sources. */
export const migrationsFolder: Record<Dialect, string> = {
  postgresql: 'src/migrations/postgresql',
  sqlite: 'src/migrations/sqlite',
};

const migrationsOf: Record<Dialect, MigrationObject[]> = {
  postgresql: postgresqlMigrations,
  sqlite: sqliteMigrations,
};

export async function ormOptions(
  url: string,
  options: Omit<CreateOrmOptions, 'url'> = {},
): Promise<Options<AbstractSqlDriver>> {
  const parsed = parseDatabaseUrl(url, options.urlSetting ?? 'DATABASE_URL');
  const common = {
    entities: allEntities,
    discovery: { warnWhenNoEntities: false },
    debug: options.debug ?? false,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ensureDatabase: false,
    extensions: [Migrator],
    // The changes feed's key offset: the trigger's and the feed's, no entity's (see
    // Migration20261207184500_finding_event_feed_base).
    schemaGenerator: { skipTables: ['finding_event_feed_base'] },
    migrations: {
      tableName: MIGRATIONS_TABLE,
      migrationsList: migrationsOf[parsed.dialect],
      path: migrationsFolder[parsed.dialect],
      emit: 'ts' as const,
      // One transaction for the whole run (README: Migrations): a run that fails leaves the schema
      // as it was, so the previous version's pods can still restart on it.
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  };
  if (parsed.dialect === 'postgresql') {
    assertTlsFilesReadable(parsed.clientUrl!, options.urlSetting);
    const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
    return {
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: parsed.clientUrl,
      // MikroORM keeps only host, port, user, password and database of clientUrl. Handing pg the
      // URL too makes the pool honour sslmode, sslrootcert, sslcert and sslkey exactly as the
      // migration lock's pg.Client does (pg parses the URL over the options MikroORM derived).
      driverOptions: { connection: { connectionString: parsed.clientUrl } },
      pool: {
        min: 0,
        max: poolMaxOf(options.poolMax),
        afterCreate: applySessionDefaults,
      },
    } as Options<AbstractSqlDriver>;
  }
  const { BetterSqliteDriver } = await import('@mikro-orm/better-sqlite');
  const inMemory = parsed.dbName === ':memory:';
  return {
    ...common,
    driver: BetterSqliteDriver,
    dbName: parsed.dbName,
    pool: {
      // WAL lets the admin API read while the reconciler writes the same file.
      afterCreate(
        connection: { pragma(sql: string): unknown },
        done: (error: Error | null, connection: unknown) => void,
      ) {
        if (!inMemory) connection.pragma('journal_mode = WAL');
        connection.pragma('foreign_keys = ON');
        connection.pragma('busy_timeout = 5000');
        done(null, connection);
      },
    },
  } as Options<AbstractSqlDriver>;
}

function poolMaxOf(poolMax: number | undefined): number {
  if (poolMax === undefined) return DEFAULT_POOL_MAX;
  const problem = poolMaxProblem(poolMax);
  if (problem) throw new ValidationError('poolMax', problem);
  return poolMax;
}

/** For `mustExist`: MikroORM creates a missing SQLite file's folder, and SQLite the file. */
function assertSqliteFileExists(path: string, setting: string): void {
  if (path === ':memory:')
    throw new ValidationError(
      setting,
      'sqlite::memory: is a new, empty database: name the SQLite file the apps use (sqlite:///path/to/file.db)',
    );
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ValidationError(
      setting,
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `no SQLite database at ${path}: the file does not exist (it is not created here); name the file the apps use`
        : `cannot read the SQLite file ${path} (${code ?? (error as Error).message})`,
    );
  }
  if (!stats.isFile())
    throw new ValidationError(setting, `${path} is not a file: name the SQLite file the apps use`);
}

/** Connects to the database named by the URL, choosing the driver from its scheme. */
export async function createOrm(options: CreateOrmOptions): Promise<ModelOrm> {
  const parsed = parseDatabaseUrl(options.url, options.urlSetting ?? 'DATABASE_URL');
  const dialect = parsed.dialect;
  if (options.mustExist && dialect === 'sqlite')
    assertSqliteFileExists(parsed.dbName!, options.urlSetting ?? 'DATABASE_URL');
  const orm = await MikroORM.init<AbstractSqlDriver>(await ormOptions(options.url, options));
  if (dialect === 'sqlite') beginImmediate(orm);
  const migrator = () => orm.getMigrator<Migrator>();
  const runMigrations = async () => {
    if (dialect === 'sqlite') return migrator().up();
    const connection = orm.em.getConnection();
    try {
      return await connection.transactional(async (trx) => {
        for (const sql of MIGRATION_SESSION) await connection.execute(sql, [], 'run', trx);
        return migrator().up({ transaction: trx });
      });
    } catch (error) {
      throw asMigrationLockTimeout(error);
    }
  };
  const knownMigrations = migrationsOf[dialect].map((m) => m.name);
  const model: ModelOrm = {
    dialect,
    orm,
    db: new Database(orm, dialect),
    async assertSchemaNotNewer() {
      await assertNoNewerMigrations(orm, knownMigrations);
    },
    async assertSchemaNotOlder(context) {
      await assertNoPendingMigrations(orm, knownMigrations, context);
    },
    async migrateUp() {
      const up = async () => {
        await model.assertSchemaNotNewer();
        return (await runMigrations()).map((m) => m.name);
      };
      const applied =
        dialect === 'postgresql' ? await withMigrationLock(parsed.clientUrl!, up) : await up();
      model.backfilled = await model.backfill();
      return applied;
    },
    async backfill(budgetMs = BACKFILL_BUDGET_MS) {
      const deadline = Date.now() + budgetMs;
      // Not behind the backfill lock, which replicas starting together skip: each of them waits
      // until the changes feed is usable before it goes on to write events.
      const feed = (await rebaseFindingFeed(orm, dialect)) ? { feedRebased: true as const } : {};
      const run = () => backfill(orm, dialect, deadline);
      if (dialect === 'sqlite') return run();
      return {
        ...((await withBackfillLock(parsed.clientUrl!, run)) ?? {
          counted: 0,
          redacted: 0,
          state: 'elsewhere',
        }),
        ...feed,
      };
    },
    async pendingMigrations() {
      return (await migrator().getPendingMigrations()).map((m) => m.name);
    },
    migrated: [],
    async close() {
      await orm.close(true);
    },
  };
  if (options.migrate)
    model.migrated = await model.migrateUp().catch(async (error: unknown) => {
      await model.close().catch(() => undefined);
      throw error;
    });
  return model;
}
