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
const POSTGRES_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
const POSTGRES_CONNECTION_CLASS = /^08[0-9A-Z]{3}$/;

/** SQLite (better-sqlite3 codes, extended ones included): the file is locked, busy or unreadable. */
const SQLITE_CODE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|PROTOCOL)(_[A-Z_]+)?$/;

/** MikroORM's converted exceptions for the same situations. */
const DRIVER_EXCEPTIONS = new Set(['ConnectionException', 'LockWaitTimeoutException']);

/** Errors that carry no code: pg when the server closes the socket, knex when the pool is starved. */
const MESSAGES: [RegExp, string][] = [
  [/Connection terminated/i, 'connection terminated'],
  [/Connection ended unexpectedly/i, 'connection ended'],
  [/Timeout acquiring a connection/i, 'no free connection in the pool'],
  [
    /the database system is (shutting down|starting up|in recovery mode)/i,
    'server not accepting connections',
  ],
  [/database is locked/i, 'database is locked'],
];

/**
 * Why the database is unavailable (a code such as `ECONNREFUSED`, `57P01` or `SQLITE_BUSY`), or
 * undefined when the error is something else (a bad query, a constraint). The cause chain and
 * AggregateError members are searched too. Only codes come out, never an error message: a SQLite
 * message holds the statement.
 */
export function databaseUnavailableCause(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || error === null || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && (NETWORK_CODES.has(code) || POSTGRES_CODES.has(code))) return code;
  if (code && (POSTGRES_CONNECTION_CLASS.test(code) || SQLITE_CODE.test(code))) return code;
  if (typeof e.name === 'string' && DRIVER_EXCEPTIONS.has(e.name)) return code ?? e.name;
  if (typeof e.message === 'string') {
    const match = MESSAGES.find(([pattern]) => pattern.test(e.message as string));
    if (match) return match[1];
  }
  for (const inner of [
    e.cause,
    ...((error as { errors?: unknown }).errors instanceof Array
      ? (error as { errors: unknown[] }).errors
      : []),
  ]) {
    const cause = databaseUnavailableCause(inner, depth + 1);
    if (cause) return cause;
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
}

/** "The database the <app> is configured with (<where>, DATABASE_URL) is not available (<cause>)". */
export function databaseUnavailableText(
  user: Pick<DatabaseUser, 'app' | 'database'>,
  causeCode: string,
): string {
  return `The database the ${user.app} is configured with (${user.database}, DATABASE_URL) is not available (${causeCode})`;
}

/** A database call failed because the database is not available: retry, nothing to fix in the spec. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  /** From describeDatabase: where it is, without credentials. */
  readonly database: string;

  constructor(
    user: DatabaseUser,
    /** From databaseUnavailableCause: a code, not a message. */
    readonly causeCode: string,
  ) {
    super(
      `${databaseUnavailableText(user, causeCode)}: check that it is running and reachable from the ${user.app}.${user.meanwhile ? ` ${user.meanwhile}` : ''}`,
    );
    this.database = user.database;
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
    const cause = databaseUnavailableCause(error);
    if (cause) throw new DatabaseUnavailableError(user, cause);
    throw error;
  }
}
