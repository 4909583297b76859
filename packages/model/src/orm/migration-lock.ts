import pg from 'pg';

/** Arbitrary, fixed key of the PostgreSQL advisory lock that serialises migrations. */
const MIGRATION_LOCK_KEY = 0x78616f6d; // "xaom"

/**
 * Runs `work` while holding a PostgreSQL advisory lock on a separate session, so replicas that
 * start together apply migrations one at a time: the second waits, then finds nothing pending.
 */
export async function withMigrationLock<T>(clientUrl: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: clientUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}
