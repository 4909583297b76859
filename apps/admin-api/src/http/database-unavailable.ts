import type { DatabaseOutage } from '@xero-access/model';

/** Seconds a client should wait after a 503 before trying again (sent as `Retry-After`). */
export const RETRY_AFTER_SECONDS = 2;

/** The 503's message for an outage (from the model's classifyDatabaseOutage). */
export function unavailableMessage(outage: DatabaseOutage): string {
  const retry = `retry in ${RETRY_AFTER_SECONDS} s`;
  if (outage.kind === 'busy')
    return `the database is busy (another writer holds the lock); ${retry}`;
  return `the database is unavailable (restarting or unreachable: ${outage.cause}); ${retry}`;
}
