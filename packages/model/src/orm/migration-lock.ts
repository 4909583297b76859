import pg from 'pg';

/** Arbitrary, fixed key of the PostgreSQL advisory lock that serialises migrations. */
const MIGRATION_LOCK_KEY = 0x78616f6d; // "xaom"
/** Another fixed key: the one process at a time that fills what migrations left to fill. */
const BACKFILL_LOCK_KEY = 0x78616f62; // "xaob"

/** Runs `work` on a session of its own that holds the advisory lock `key` while it runs. */
async function withAdvisoryLock<T>(
  clientUrl: string,
  key: number,
  wait: boolean,
  work: () => Promise<T>,
): Promise<{ held: true; value: T } | { held: false }> {
  const client = new pg.Client({ connectionString: clientUrl });
  await client.connect();
  try {
    if (wait) await client.query('select pg_advisory_lock($1)', [key]);
    else {
      const { rows } = await client.query<{ held: boolean }>(
        'select pg_try_advisory_lock($1) as held',
        [key],
      );
      if (!rows[0]?.held) return { held: false };
    }
    try {
      return { held: true, value: await work() };
    } finally {
      await client.query('select pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await client.end();
  }
}

/**
 * Runs `work` while holding a PostgreSQL advisory lock on a separate session, so replicas that
 * start together apply migrations one at a time: the second waits, then finds nothing pending.
 */
export async function withMigrationLock<T>(clientUrl: string, work: () => Promise<T>): Promise<T> {
  const result = await withAdvisoryLock(clientUrl, MIGRATION_LOCK_KEY, true, work);
  return (result as { value: T }).value;
}

/**
 * Runs `work` unless another session is running a backfill (then returns undefined at once):
 * replicas that start together do not fill the same rows, nor wait for each other.
 */
export async function withBackfillLock<T>(
  clientUrl: string,
  work: () => Promise<T>,
): Promise<T | undefined> {
  const result = await withAdvisoryLock(clientUrl, BACKFILL_LOCK_KEY, false, work);
  return result.held ? result.value : undefined;
}
