import { classifyDatabaseOutage } from '../database/database-unavailable.js';

/**
 * How long a migration waits for a table lock (PostgreSQL `lock_timeout`) before the run gives up.
 * While a schema change waits for its lock, every later query on that table waits behind it:
 * the previous version's pods, still serving during an upgrade, would hang on it for as long.
 */
export const MIGRATION_LOCK_TIMEOUT_MS = 3_000;

/**
 * A migration could not lock a table within MIGRATION_LOCK_TIMEOUT_MS because another session
 * holds it. The run was rolled back whole: running it again later applies it. Keeps the
 * PostgreSQL error as `cause`, so `classifyDatabaseOutage` sees a busy database (55P03) and
 * `connectWithRetry` tries again.
 */
export class MigrationLockTimeoutError extends Error {
  override readonly name = 'MigrationLockTimeoutError';
  constructor(
    readonly migration: string | undefined,
    cause: unknown,
  ) {
    super(
      `${migration ? `migration ${migration}` : 'a migration'} waited longer than ${MIGRATION_LOCK_TIMEOUT_MS / 1000} s for a lock on a table another session holds (a long query or an open transaction); nothing was applied (migrations run all or nothing). ` +
        'Run the migrations again (`xao-model migrate`; an app that migrates retries for DATABASE_STARTUP_WAIT); if it keeps failing, look in pg_stat_activity for what holds the table.',
      { cause },
    );
  }
}

/** The failing migration's name, from Umzug's error ("Migration <name> (up) failed: …"). */
function migrationNameOf(error: unknown): string | undefined {
  const context = (error as { migration?: { name?: unknown } } | null)?.migration;
  if (typeof context?.name === 'string') return context.name;
  const match = /Migration (\S+) \((?:up|down)\) failed/.exec(String((error as Error)?.message));
  return match?.[1];
}

/** `error` as a MigrationLockTimeoutError when a lock timeout (55P03) caused it; else itself. */
export function asMigrationLockTimeout(error: unknown): unknown {
  const outage = classifyDatabaseOutage(error);
  if (outage?.cause !== '55P03') return error;
  return new MigrationLockTimeoutError(migrationNameOf(error), error);
}
