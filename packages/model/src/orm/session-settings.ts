/**
 * What every pooled PostgreSQL session of the apps gets, unless the database already sets it (an
 * `ALTER ROLE … SET`, `ALTER DATABASE … SET`, postgresql.conf or the URL's `options=-c …`):
 * - statement_timeout: a statement (a lock wait included) running longer is cancelled, so a
 *   runaway query cannot hold a connection and its locks for ever. Generous: the longest the
 *   services run is seconds.
 * - idle_in_transaction_session_timeout: a session that left a transaction open and idle (a stuck
 *   event loop, a bug) is ended, which releases the row locks other writers queue behind.
 * No lock_timeout: the services serialise writers of one connection on its row (`FOR UPDATE`:
 * snapshots, findings, acceptances, reviews) and a writer that waits its turn must get it, not
 * fail; the two settings above bound how long any holder keeps it. Migrations set their own.
 */
export const POSTGRES_SESSION_DEFAULTS = {
  statement_timeout: '5min',
  idle_in_transaction_session_timeout: '1min',
} as const;

/** Sets each of POSTGRES_SESSION_DEFAULTS that nothing else configured (source `default`). */
const applyDefaults = `select set_config(d.name, d.value, false) from (values ${Object.entries(
  POSTGRES_SESSION_DEFAULTS,
)
  .map(([name, value]) => `('${name}', '${value}')`)
  .join(', ')}) as d(name, value) join pg_settings s on s.name = d.name where s.source = 'default'`;

interface PgSession {
  query(sql: string, callback: (error: Error | null) => void): void;
}

/** The pool's `afterCreate` for PostgreSQL: a new connection is handed out with the defaults set. */
export function applySessionDefaults(
  connection: PgSession,
  done: (error: Error | null, connection: PgSession) => void,
): void {
  connection.query(applyDefaults, (error) => done(error, connection));
}
