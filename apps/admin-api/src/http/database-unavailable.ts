/** Seconds a client should wait after a 503 before trying again (sent as `Retry-After`). */
export const RETRY_AFTER_SECONDS = 2;

// MikroORM's names for "the database could not take this now" (SQLite "database is locked" is a
// LockWaitTimeoutException; PostgreSQL deadlocks and serialization failures are DeadlockException).
const BUSY_EXCEPTIONS = new Set(['LockWaitTimeoutException', 'DeadlockException']);
const BUSY_CODES = new Set([
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_LOCKED',
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
]);
const NETWORK_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
];
const UNREACHABLE_CODES = new Set([
  ...NETWORK_CODES,
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000', // connection_exception
  '08001',
  '08003',
  '08004',
  '08006',
]);

/**
 * busy: locked or in a deadlock; unreachable: the database is restarting, refuses or dropped the
 * connection; dependency: a socket error with no driver around it (knex starting a transaction
 * throws them unwrapped), most likely the database too.
 */
export type Unavailability = 'busy' | 'unreachable' | 'dependency';

/**
 * Whether an error means the database cannot answer right now (locked, restarting, unreachable,
 * out of connections): a reason to retry, not a server bug.
 */
export function databaseUnavailability(error: unknown): Unavailability | null {
  if (!(error instanceof Error)) return null;
  const { name, message } = error;
  const code = String((error as { code?: unknown }).code ?? '');
  if (BUSY_EXCEPTIONS.has(name)) return 'busy';
  if (name === 'ConnectionException') return 'unreachable';
  // knex's pool: every connection is in use, or none could be opened in time.
  if (name === 'KnexTimeoutError' || /Timeout acquiring a connection/.test(message))
    return 'unreachable';
  // MikroORM's DriverException and its subclasses carry the driver's code.
  if (name.endsWith('Exception')) {
    if (BUSY_CODES.has(code)) return 'busy';
    if (UNREACHABLE_CODES.has(code)) return 'unreachable';
    return null;
  }
  // better-sqlite3's own error, unwrapped when BEGIN IMMEDIATE itself times out.
  if (name === 'SqliteError') return BUSY_CODES.has(code) ? 'busy' : null;
  const syscall = (error as { syscall?: unknown }).syscall;
  if (typeof syscall === 'string' && NETWORK_CODES.includes(code)) return 'dependency';
  return null;
}

export function unavailableMessage(kind: Unavailability, error: unknown): string {
  const retry = `retry in ${RETRY_AFTER_SECONDS} s`;
  if (kind === 'busy') return `the database is busy (another writer holds the lock); ${retry}`;
  if (kind === 'unreachable')
    return `the database is unavailable (restarting or unreachable); ${retry}`;
  const code = String((error as { code?: unknown }).code);
  return `a service this API depends on (the database) is unreachable (${code}); ${retry}`;
}
