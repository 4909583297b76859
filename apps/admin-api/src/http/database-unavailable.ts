import type { DatabaseOutage } from '@xero-access/model';

/** Seconds a client should wait after a 503 before trying again (sent as `Retry-After`). */
export const RETRY_AFTER_SECONDS = 2;

/**
 * The 503's message for an outage (from the model's classifyDatabaseOutage). A bare socket error
 * or `fetch failed` may come from Redis or the Kubernetes API as well, so only errors the ORM or
 * its drivers raised name the database.
 */
export function unavailableMessage(outage: DatabaseOutage, error: unknown): string {
  const retry = `retry in ${RETRY_AFTER_SECONDS} s`;
  if (!raisedByDatabase(error))
    return `a service this API depends on is unavailable (${outage.cause}); ${retry}`;
  if (outage.kind === 'busy')
    return `the database is busy (another writer holds the lock); ${retry}`;
  return `the database is unavailable (restarting or unreachable: ${outage.cause}); ${retry}`;
}

/** MikroORM's DriverException family, better-sqlite3's SqliteError, knex's pool timeout. */
function raisedByDatabase(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name.endsWith('Exception') ||
    error.name === 'SqliteError' ||
    error.name === 'KnexTimeoutError' ||
    error.message.startsWith('Knex:')
  );
}
