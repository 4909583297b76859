import { parseDatabaseUrl } from '../orm/database-url.js';

/** Socket errors: the database host refuses, drops or does not answer the connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs of a server that is going away, starting up or full: class 08 (connection
 * exception), 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now,
 * 53300 too_many_connections.
 */
const POSTGRES_UNREACHABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
const POSTGRES_CONNECTION_CLASS = /^08[0-9A-Z]{3}$/;

/**
 * PostgreSQL SQLSTATEs of a transaction that lost to another one and may simply run again:
 * 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available.
 */
const POSTGRES_BUSY_CODES = new Set(['40001', '40P01', '55P03']);

/** SQLite (better-sqlite3 codes, extended ones included): another connection holds the lock. */
const SQLITE_BUSY_CODE = /^SQLITE_(BUSY|LOCKED|PROTOCOL)(_[A-Z_]+)?$/;
/** SQLite: the file cannot be opened or read. */
const SQLITE_UNREACHABLE_CODE = /^SQLITE_(CANTOPEN|IOERR)(_[A-Z_]+)?$/;

/**
 * MikroORM's converted exceptions (SQLite "database is locked" is a LockWaitTimeoutException,
 * PostgreSQL deadlocks and serialization failures are DeadlockExceptions).
 */
const BUSY_EXCEPTIONS = new Set(['LockWaitTimeoutException', 'DeadlockException']);
const UNREACHABLE_EXCEPTIONS = new Set(['ConnectionException']);

/** Errors that carry no code: pg when the server closes the socket, knex when the pool is starved. */
const MESSAGES: [RegExp, DatabaseOutage][] = [
  [/Connection terminated/i, { kind: 'unreachable', cause: 'connection terminated' }],
  [/Connection ended unexpectedly/i, { kind: 'unreachable', cause: 'connection ended' }],
  [
    /Timeout acquiring a connection/i,
    { kind: 'unreachable', cause: 'no free connection in the pool' },
  ],
  [
    /the database system is (shutting down|starting up|in recovery mode)/i,
    { kind: 'unreachable', cause: 'server not accepting connections' },
  ],
  [/database is locked/i, { kind: 'busy', cause: 'database is locked' }],
];

/**
 * busy: another transaction holds a lock this one needs (SQLite's write lock, a PostgreSQL
 * deadlock or serialization failure); running it again shortly succeeds. unreachable: the server
 * refuses, drops or does not answer connections, is starting or stopping, or the file cannot be
 * opened.
 */
export type DatabaseOutageKind = 'busy' | 'unreachable';

export interface DatabaseOutage {
  kind: DatabaseOutageKind;
  /** A code such as `ECONNREFUSED`, `57P01`, `40P01` or `SQLITE_BUSY`; never an error message. */
  cause: string;
}

/**
 * Whether an error from a database call means "the database cannot answer right now" (a reason
 * to retry, not a bug), and why; undefined when it is something else (a bad query, a
 * constraint). The cause chain and AggregateError members are searched too. Only codes come out,
 * never an error message: a SQLite message holds the statement.
 */
export function classifyDatabaseOutage(error: unknown, depth = 0): DatabaseOutage | undefined {
  if (depth > 4 || error === null || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && (POSTGRES_BUSY_CODES.has(code) || SQLITE_BUSY_CODE.test(code)))
    return { kind: 'busy', cause: code };
  if (
    code &&
    (NETWORK_CODES.has(code) ||
      POSTGRES_UNREACHABLE_CODES.has(code) ||
      POSTGRES_CONNECTION_CLASS.test(code) ||
      SQLITE_UNREACHABLE_CODE.test(code))
  )
    return { kind: 'unreachable', cause: code };
  if (typeof e.name === 'string') {
    if (BUSY_EXCEPTIONS.has(e.name)) return { kind: 'busy', cause: code ?? e.name };
    if (UNREACHABLE_EXCEPTIONS.has(e.name)) return { kind: 'unreachable', cause: code ?? e.name };
  }
  if (typeof e.message === 'string') {
    const match = MESSAGES.find(([pattern]) => pattern.test(e.message as string));
    if (match) return { ...match[1] };
  }
  const errors = (error as { errors?: unknown }).errors;
  for (const inner of [e.cause, ...(errors instanceof Array ? errors : [])]) {
    const outage = classifyDatabaseOutage(inner, depth + 1);
    if (outage) return outage;
  }
  return undefined;
}

/**
 * Where the configured database is, for a person: `PostgreSQL at host:port` or `SQLite file
 * path`. Never the user name or password of the URL.
 */
export function describeDatabase(url: string): string {
  try {
    const parsed = parseDatabaseUrl(url);
    if (parsed.dialect === 'sqlite') return `SQLite file ${parsed.dbName}`;
    const { hostname, port } = new URL(url);
    return hostname ? `PostgreSQL at ${hostname}:${port || '5432'}` : 'PostgreSQL (local socket)';
  } catch {
    return 'the database';
  }
}

/** Who uses the database, for messages that tell a person where to look. */
export interface DatabaseUser {
  /** The app, as a person names it: 'reconciler', 'admin API'. */
  app: string;
  /** From describeDatabase: where the database is, without credentials. */
  database: string;
  /** What the app does meanwhile (e.g. that the work is retried), appended to the message. */
  meanwhile?: string;
  /** The setting the database URL came from (default DATABASE_URL, the apps'). */
  urlSetting?: string;
}

/**
 * "The database the <app> is configured with (<where>, DATABASE_URL) is not available (<cause>)",
 * or "… is busy (<cause>)" when another transaction held a lock it needed.
 */
export function databaseUnavailableText(
  user: Pick<DatabaseUser, 'app' | 'database' | 'urlSetting'>,
  outage: DatabaseOutage,
): string {
  const state = outage.kind === 'busy' ? 'is busy' : 'is not available';
  return `The database the ${user.app} is configured with (${user.database}, ${user.urlSetting ?? 'DATABASE_URL'}) ${state} (${outage.cause})`;
}

/** A database call failed because the database is not available: retry, nothing to fix in the spec. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  /** From describeDatabase: where it is, without credentials. */
  readonly database: string;
  /** From classifyDatabaseOutage: a code, not a message. */
  readonly causeCode: string;
  readonly kind: DatabaseOutageKind;

  constructor(user: DatabaseUser, outage: DatabaseOutage) {
    const advice =
      outage.kind === 'busy'
        ? 'another transaction held a lock it needed.'
        : `check that it is running and reachable from the ${user.app}.`;
    super(
      `${databaseUnavailableText(user, outage)}: ${advice}${user.meanwhile ? ` ${user.meanwhile}` : ''}`,
    );
    this.database = user.database;
    this.causeCode = outage.cause;
    this.kind = outage.kind;
  }
}

/**
 * Runs a database call; a failure that means "the database is not available" becomes a
 * DatabaseUnavailableError naming the app and the database, anything else is thrown as it was.
 */
export async function withDatabase<T>(user: DatabaseUser, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const outage = classifyDatabaseOutage(error);
    if (outage) throw new DatabaseUnavailableError(user, outage);
    throw error;
  }
}
