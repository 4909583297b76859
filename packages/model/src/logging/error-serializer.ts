/**
 * The `err` serializer of both apps' pino loggers.
 *
 * Errors from libraries carry what they were doing when they failed, as enumerable properties:
 * ioredis puts the failed command on the error (`command: { name: 'auth', args: [password] }`,
 * or a SET's key and value) and hands the same error to every queued command; got carries its
 * request `options` (headers included), the Kubernetes client the response `body` and `headers`,
 * pg the query's parameters. pino's default serializer copies every enumerable property into the
 * log line. This one keeps an allow-list of fields that describe a failure without its data.
 */

/** What a logged error keeps. */
export interface SafeError {
  /** The constructor's name (pino's `type`), e.g. `ReplyError`. */
  type: string;
  /** `error.name`, when it says more than `type` (e.g. a DOMException's `AbortError`). */
  name?: string;
  message?: string;
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
 * statusCode, status, and the same of `cause`, recursively. Everything else (command, args,
 * options, body, headers, parameters, config, request, response, …) is dropped. Strings, numbers
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
  if (typeof message === 'string') safe.message = message;
  const stack = read(error, 'stack');
  if (typeof stack === 'string') safe.stack = stack;
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
