import type pg from 'pg';

/**
 * Resolves once `n` sessions of `client`'s database wait for a lock (PostgreSQL). `client` may be
 * in a transaction: pg_stat_activity would then answer what it read first until that ends.
 */
export async function untilWaitingForLocks(client: pg.Client, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity
       where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (Number(rows[0]!.n) >= n) return;
    if (Date.now() > deadline) throw new Error(`${n} sessions never waited for a lock`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
