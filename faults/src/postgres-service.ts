import { execFileSync } from 'node:child_process';
import pg from 'pg';

// The machine's PostgreSQL (Debian cluster 15/main, started by scripts/services.sh).
const CLUSTER = ['15', 'main'];

export function stopPostgres(): void {
  execFileSync('pg_ctlcluster', [...CLUSTER, 'stop', '-m', 'fast'], { stdio: 'ignore' });
}

/** Starts it if it is down (safe to call in a finally block), then waits until it takes queries. */
export async function ensurePostgresRunning(url: string, timeoutMs = 60_000): Promise<void> {
  try {
    execFileSync('pg_ctlcluster', [...CLUSTER, 'start'], { stdio: 'ignore' });
  } catch {
    /* already running: pg_ctlcluster exits 2 */
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(
          `PostgreSQL did not come back within ${timeoutMs / 1000}s: ${(error as Error).message}`,
        );
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** The evidence a connection has in the database: every snapshot and every finding with its status. */
export async function evidence(
  url: string,
): Promise<{ snapshots: string[]; findings: Map<string, string> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const snapshots = (
      await client.query<{ id: string }>('select id from snapshot order by id')
    ).rows.map((r) => r.id);
    const rows = (
      await client.query<{ id: string; status: string }>('select id, status from finding')
    ).rows;
    return { snapshots, findings: new Map(rows.map((r) => [r.id, r.status])) };
  } finally {
    await client.end();
  }
}
