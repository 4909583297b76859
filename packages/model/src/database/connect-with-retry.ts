import { createOrm, type CreateOrmOptions, type ModelOrm } from '../orm/create-orm.js';
import { MigrationLockTimeoutError } from '../orm/migration-lock-timeout.js';
import type { OlderSchemaContext } from '../orm/older-schema.js';
import {
  classifyDatabaseOutage,
  databaseUnavailableText,
  describeDatabase,
} from './database-unavailable.js';
import { untrustedCertificateError } from './untrusted-certificate.js';

/** The one logger call this needs (pino's `warn(obj, msg)` fits), so apps keep their own logger. */
export interface DatabaseWaitLogger {
  warn(details: object, message: string): void;
}

export interface ConnectOptions extends CreateOrmOptions {
  /** The app, for the error a person reads: 'reconciler', 'admin API'. */
  app: string;
  /** How long to keep trying while the database is not available (DATABASE_STARTUP_WAIT). */
  waitMs: number;
  /** The setting `waitMs` came from, named when giving up (default DATABASE_STARTUP_WAIT). */
  waitSetting?: string;
  logger: DatabaseWaitLogger;
  /**
   * What applies the migrations when this start does not (DATABASE_MIGRATION_JOB: the Helm
   * chart's Job), named in the OlderSchemaError a start without `migrate` throws.
   */
  migrationJob?: string;
  /**
   * A command opening the database instead of an app's start (e.g. `admin-api token list`), named
   * in the OlderSchemaError a connection without `migrate` throws: it then says to migrate first
   * and run the command again.
   */
  command?: string;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 10_000;

/**
 * Opens the model. While the database is not available (the pod started before PostgreSQL, or
 * during a failover) it waits and tries again, 1 s doubling to 10 s apart, for up to `waitMs`,
 * logging each wait; then it gives up with an error that says where and why. A busy database
 * (another replica migrating holds SQLite's lock, or won a deadlock over the migration) is
 * waited for too: the lost transaction was rolled back, and the wait is bounded by `waitMs` like
 * any other. Other errors (bad URL, failed migration, a schema newer than this build, one older
 * than it when this start does not migrate, a server certificate that fails verification) are
 * thrown at once.
 */
export async function connectWithRetry(options: ConnectOptions): Promise<ModelOrm> {
  const {
    app,
    waitMs,
    logger,
    migrationJob,
    command,
    waitSetting = 'DATABASE_STARTUP_WAIT',
    ...orm
  } = options;
  const { urlSetting } = orm;
  const started = Date.now();
  const database = describeDatabase(orm.url);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await openAndCheck(orm, { migrationJob, command });
    } catch (error) {
      const untrusted = untrustedCertificateError(error, {
        app,
        database,
        url: orm.url,
        urlSetting,
      });
      if (untrusted) throw untrusted;
      const outage = classifyDatabaseOutage(error);
      if (!outage) throw error;
      const retryInMs = Math.min(FIRST_RETRY_MS * 2 ** (attempt - 1), MAX_RETRY_MS);
      const waitedMs = Date.now() - started;
      if (waitedMs + retryInMs > waitMs) {
        const check =
          error instanceof MigrationLockTimeoutError
            ? `${error.migration ?? 'a migration'} could not lock its table on any attempt: find the long query or open transaction holding it in pg_stat_activity`
            : outage.kind === 'busy'
              ? 'check what else holds its lock (another replica migrating, a long transaction)'
              : `check that it is running and reachable from the ${app}`;
        throw new Error(
          `${databaseUnavailableText({ app, database, urlSetting }, outage)} after ${Math.round(waitedMs / 1000)} s of trying: ${check}, or wait longer with ${waitSetting}.`,
        );
      }
      logger.warn(
        { database, kind: outage.kind, cause: outage.cause, attempt, retryInMs },
        outage.kind === 'busy' ? 'database busy; retrying' : 'database not available yet; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
    }
  }
}

/**
 * The ORM opens its pool lazily, so without migrations nothing has touched the database yet.
 * Whether or not this start migrates, it refuses a schema that a newer version migrated; one that
 * does not migrate also refuses a schema missing this build's migrations.
 */
async function openAndCheck(
  options: CreateOrmOptions,
  context: OlderSchemaContext,
): Promise<ModelOrm> {
  const model = await createOrm(options);
  try {
    const check = await model.orm.checkConnection();
    if (!check.ok) throw check.error ?? new Error(check.reason);
    // migrateUp (inside the migration lock) has checked it already.
    if (!options.migrate) {
      await model.assertSchemaNotNewer();
      await model.assertSchemaNotOlder(context);
    }
    return model;
  } catch (error) {
    await model.close().catch(() => undefined);
    throw error;
  }
}
