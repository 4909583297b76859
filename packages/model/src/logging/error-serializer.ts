/**
 * The `err` serializer of both apps' pino loggers.
 *
 * Errors from libraries carry what they were doing when they failed, as enumerable properties:
 * ioredis puts the failed command on the error (`command: { name: 'auth', args: [password] }`,
 * or a SET's key and value) and hands the same error to every queued command; got carries its
 * request `options` (headers included), the Kubernetes client the response `body` and `headers`,
 * pg the query's parameters. pino's default serializer copies every enumerable property into the
 * log line. This one keeps an allow-list of fields that describe a failure without its data.
 *
 * A database error's message (and so its stack's first line) holds the failed statement with its
 * values filled in: those keep only the driver's own message (see statement-redaction.ts). An ORM
 * ValidationError quotes the value it refused, or the whole entity: those keep what was wrong
 * (see entity-value-redaction.ts).
 */
import { DriverException, ValidationError } from '@mikro-orm/core';
import { withoutEntityValues } from './entity-value-redaction.js';
import { withoutStatement } from './statement-redaction.js';

/** What a logged error keeps. */
export interface SafeError {
  /** The constructor's name (pino's `type`), e.g. `ReplyError`. */
  type: string;
  /** `error.name`, when it says more than `type` (e.g. a DOMException's `AbortError`). */
  name?: string;
  /** Without a failed SQL statement and its values: the driver's own message stays. */
  message?: string;
  /** Its first line says the same as `message`. */
  stack?: string;
  code?: string | number;
  statusCode?: number | string;
  status?: number | string;
  /** The same subset of `error.cause`, to {@link MAX_CAUSE_DEPTH} levels. */
  cause?: SafeError | string;
  /** The same subset of an AggregateError's errors (e.g. ECONNREFUSED on ::1 and 127.0.0.1). */
  aggregateErrors?: (SafeError | string)[];
}

/** How many levels of `cause` (and of AggregateError `errors`) are followed. */
export const MAX_CAUSE_DEPTH = 5;
const MAX_AGGREGATED = 10;
const TOO_DEEP = '[too deep]';
const CIRCULAR = '[circular]';

/**
 * The safe fields of an error (or of anything logged as one): type, name, message, stack, code,
 * statusCode, status, and the same of `cause`, recursively; a failed SQL statement is taken out
 * of message and stack. Everything else (command, args, options, body, headers, parameters, sql,
 * query, bindings, detail, config, request, response, …) is dropped. Strings, numbers
 * and booleans pass through unchanged, so a value already reduced to a message stays as it is.
 */
export function serializeError(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value;
  if (typeof value !== 'object' && typeof value !== 'function') return String(value);
  return safeError(value as object, 0, new Set());
}

function safeError(error: object, depth: number, seen: Set<object>): SafeError {
  seen.add(error);
  const type = typeName(error);
  const safe: SafeError = { type };
  const name = read(error, 'name');
  if (typeof name === 'string' && name !== type && name !== 'Error') safe.name = name;
  const message = read(error, 'message');
  if (typeof message === 'string') safe.message = withoutData(error, message);
  const stack = read(error, 'stack');
  if (typeof stack === 'string') {
    const header = `${typeof name === 'string' && name ? name : type}: ${safe.message}`;
    safe.stack =
      typeof message === 'string' && safe.message !== message
        ? restack(stack, message, header)
        : stack;
  }
  for (const key of ['code', 'statusCode', 'status'] as const) {
    const field = read(error, key);
    if (typeof field === 'string' || (typeof field === 'number' && Number.isFinite(field)))
      safe[key] = field;
  }
  const cause = read(error, 'cause');
  if (cause !== undefined && cause !== null) safe.cause = nested(cause, depth, seen);
  if (error instanceof AggregateError) {
    const errors = read(error, 'errors');
    if (Array.isArray(errors))
      safe.aggregateErrors = errors
        .slice(0, MAX_AGGREGATED)
        .map((inner: unknown) => nested(inner, depth, seen));
  }
  return safe;
}

/**
 * The message of an error as a log line or an error record may show it: a failed SQL statement
 * and its values (or the values an ORM validation quoted) taken out, as serializeError does.
 */
export function safeErrorMessage(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  const message = read(value, 'message');
  return typeof message === 'string' ? withoutData(value, message) : String(value);
}

/** The message without the rows' values a database or ORM error quotes. */
function withoutData(error: object, message: string): string {
  if (error instanceof ValidationError) return withoutEntityValues(message);
  return withoutStatement(message, isDatabaseError(error));
}

/** PostgreSQL SQLSTATE, e.g. `23505`. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Raised by MikroORM or a driver: a DriverException (and subclasses), pg's DatabaseError (a
 * SQLSTATE `code` and a `severity`), better-sqlite3's SqliteError (`SQLITE_*`), or a MySQL-style
 * error with `sqlState`. Their messages start with the failed statement.
 */
export function isDatabaseError(error: object): boolean {
  if (error instanceof DriverException || typeof read(error, 'sqlState') === 'string') return true;
  const code = read(error, 'code');
  if (typeof code !== 'string') return false;
  return (
    code.startsWith('SQLITE_') ||
    (SQLSTATE.test(code) && typeof read(error, 'severity') === 'string')
  );
}

const FRAME = /^\s+at\s/;

/** The stack under a new first line: its frames only, so no line of the old message survives. */
function restack(stack: string, message: string, header: string): string {
  const at = stack.indexOf(message);
  const afterHeader = (at >= 0 ? stack.slice(at + message.length) : stack).split('\n').slice(1);
  const frames = afterHeader.filter((line) => FRAME.test(line) || line.trim() === '');
  return [header, ...frames].join('\n');
}

function nested(value: unknown, depth: number, seen: Set<object>): SafeError | string {
  if (typeof value !== 'object' && typeof value !== 'function') return String(value);
  if (value === null) return String(value);
  if (seen.has(value)) return CIRCULAR;
  if (depth + 1 > MAX_CAUSE_DEPTH) return TOO_DEEP;
  return safeError(value, depth + 1, seen);
}

function typeName(error: object): string {
  const constructor = read(error, 'constructor');
  if (typeof constructor === 'function' && constructor.name) return constructor.name;
  const name = read(error, 'name');
  return typeof name === 'string' && name ? name : 'Object';
}

/** A property, or undefined when reading it throws (a getter, a revoked proxy). */
function read(target: object, key: string): unknown {
  try {
    return (target as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}
