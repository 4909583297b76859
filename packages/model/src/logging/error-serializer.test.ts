import {
  ConnectionException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { classifyDatabaseOutage } from '../database/database-unavailable.js';
import {
  MAX_CAUSE_DEPTH,
  safeErrorMessage,
  serializeError,
  type SafeError,
} from './error-serializer.js';

const PASSWORD = 'S3cretRedisPw';
const BEARER = 'Bearer xao_live_token_123';
const VERIFIER = 'pkce-verifier-0123456789abcdef';

/** An error shaped like the ones ioredis, got and the Kubernetes client throw. */
function leakyError(message: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as Error &
    Record<string, unknown>;
  error.code = 'WRONGPASS';
  error.statusCode = 401;
  error.command = { name: 'auth', args: [PASSWORD] };
  error.args = [PASSWORD];
  error.options = { headers: { authorization: BEARER }, json: { codeVerifier: VERIFIER } };
  error.body = { codeVerifier: VERIFIER, password: PASSWORD };
  error.headers = { authorization: BEARER };
  error.parameters = [PASSWORD];
  error.config = { password: PASSWORD };
  error.request = { headers: { authorization: BEARER } };
  error.response = { body: VERIFIER };
  return error;
}

describe('serializeError', () => {
  it('keeps type, message, stack and code, and drops command, options, body and the rest', () => {
    const cause = leakyError('inner: connection refused');
    const error = leakyError('WRONGPASS invalid username-password pair', cause);
    const serialized = serializeError(error) as SafeError;
    const text = JSON.stringify(serialized);

    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(BEARER);
    expect(text).not.toContain('xao_live_token_123');
    expect(text).not.toContain(VERIFIER);
    expect(serialized).toEqual({
      type: 'Error',
      message: 'WRONGPASS invalid username-password pair',
      stack: error.stack,
      code: 'WRONGPASS',
      statusCode: 401,
      cause: {
        type: 'Error',
        message: 'inner: connection refused',
        stack: cause.stack,
        code: 'WRONGPASS',
        statusCode: 401,
      },
    });
    expect(serialized.stack).toContain('WRONGPASS invalid username-password pair');
  });

  it('names the subclass, and keeps a name that differs from it', () => {
    class ReplyError extends Error {}
    const reply = Object.assign(new ReplyError('NOAUTH'), { command: { args: [PASSWORD] } });
    expect(serializeError(reply)).toMatchObject({ type: 'ReplyError', message: 'NOAUTH' });
    expect(serializeError(reply)).not.toHaveProperty('name');
    const abort = new DOMException('stopped', 'AbortError');
    expect(serializeError(abort)).toMatchObject({ type: 'DOMException', name: 'AbortError' });
  });

  it('reduces a thrown plain object to the same fields', () => {
    const thrown = { message: 'HTTP 403', code: 403, body: { secret: PASSWORD }, status: 'x' };
    expect(serializeError(thrown)).toEqual({
      type: 'Object',
      message: 'HTTP 403',
      code: 403,
      status: 'x',
    });
  });

  it('passes strings and numbers through, and keeps a string cause', () => {
    expect(serializeError('already a message')).toBe('already a message');
    expect(serializeError(42)).toBe(42);
    expect(serializeError(undefined)).toBeUndefined();
    expect(serializeError(new Error('outer', { cause: 'a reason' }))).toMatchObject({
      cause: 'a reason',
    });
  });

  it('follows causes to a bounded depth and stops at cycles', () => {
    let error = new Error('level 0');
    for (let level = 1; level <= MAX_CAUSE_DEPTH + 3; level++)
      error = new Error(`level ${level}`, { cause: error });
    let serialized = serializeError(error) as SafeError;
    for (let level = 0; level < MAX_CAUSE_DEPTH; level++)
      serialized = serialized.cause as SafeError;
    expect(serialized.message).toBe(`level 3`);
    expect(serialized.cause).toBe('[too deep]');

    const cyclic = new Error('loop') as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(serializeError(cyclic)).toMatchObject({ message: 'loop', cause: '[circular]' });
  });

  it("keeps an AggregateError's errors, each reduced", () => {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}:6379`), {
        code: 'ECONNREFUSED',
        command: { args: [PASSWORD] },
      });
    const error = new AggregateError([refused('::1'), refused('127.0.0.1')], '');
    const serialized = serializeError(error) as SafeError;
    expect(JSON.stringify(serialized)).not.toContain(PASSWORD);
    expect(serialized.aggregateErrors).toMatchObject([
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED ::1:6379' },
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6379' },
    ]);
  });

  it('survives properties that throw when read', () => {
    const error = new Error('getter');
    Object.defineProperty(error, 'code', {
      get() {
        throw new Error('no');
      },
    });
    expect(serializeError(error)).toMatchObject({ type: 'Error', message: 'getter' });
  });
});

const EMAIL = 'carol.leak@acme.example';
const IP = '203.0.113.7';
/** A value holding the " - " that separates knex's statement from the driver message. */
const NAME = 'Carol - Leakwell';
const PG_INSERT = `insert into "audit_log_entry" ("id", "actor", "source_ip", "user_agent") values ('0b0c', 'oidc:${EMAIL}', '${IP}', '${NAME}')`;
const SQLITE_INSERT = `insert into \`staff_member\` (\`id\`, \`email\`, \`name\`) values ('0b0c', '${EMAIL}', '${NAME}')`;

/** pg's DatabaseError: `name` 'error', a SQLSTATE `code`, the server's fields; knex prefixed the SQL. */
class DatabaseError extends Error {
  override name = 'error';
  severity = 'ERROR';
  constructor(
    message: string,
    readonly code: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message);
    Object.assign(this, extra);
  }
}

/** better-sqlite3's SqliteError: `code` SQLITE_*, knex prefixed the SQL. */
class SqliteError extends Error {
  override name = 'SqliteError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function pgUniqueViolation(): UniqueConstraintViolationException {
  const detail = `Key (email)=(${EMAIL}) already exists.`;
  const driverError = new DatabaseError(
    `${PG_INSERT} - duplicate key value violates unique constraint "staff_member_email_unique"`,
    '23505',
    { detail, table: 'staff_member', where: `row ${EMAIL}`, internalQuery: PG_INSERT },
  );
  // What PostgreSqlExceptionConverter does before wrapping it.
  driverError.message += `\n - detail: ${detail}`;
  return new UniqueConstraintViolationException(driverError);
}

function textOf(value: unknown): string {
  return JSON.stringify(value);
}

describe('serializeError on database errors', () => {
  it("keeps a MikroORM exception's driver message, code and class, not the statement or detail", () => {
    const error = pgUniqueViolation();
    const serialized = serializeError(error) as SafeError;

    for (const value of [EMAIL, IP, 'Leakwell', 'insert into', 'Key (email)'])
      expect(textOf(serialized)).not.toContain(value);
    expect(serialized).toMatchObject({
      type: 'UniqueConstraintViolationException',
      message: 'duplicate key value violates unique constraint "staff_member_email_unique"',
      code: '23505',
    });
    const [header, ...frames] = serialized.stack!.split('\n');
    expect(header).toBe(`UniqueConstraintViolationException: ${serialized.message}`);
    expect(frames.filter((line) => line.trim()).every((line) => /^\s+at /.test(line))).toBe(true);
    expect(frames.length).toBeGreaterThan(1);
  });

  it('drops the sql, parameters, query and bindings an error carries', () => {
    const error = Object.assign(
      new SqliteError(`${SQLITE_INSERT} - refused`, 'SQLITE_CONSTRAINT'),
      {
        sql: SQLITE_INSERT,
        parameters: [EMAIL],
        query: { sql: SQLITE_INSERT, bindings: [EMAIL] },
        bindings: [EMAIL],
      },
    );
    const serialized = serializeError(error) as SafeError;
    expect(textOf(serialized)).not.toContain(EMAIL);
    expect(serialized).toMatchObject({ type: 'SqliteError', message: 'refused' });
  });

  it("keeps pg's and better-sqlite3's own errors to their driver message", () => {
    const pg = new DatabaseError(`${PG_INSERT} - audit log refused`, 'P0001');
    const sqlite = new SqliteError(
      `${SQLITE_INSERT} - UNIQUE constraint failed: staff_member.email`,
      'SQLITE_CONSTRAINT_UNIQUE',
    );
    expect(serializeError(pg)).toMatchObject({
      type: 'DatabaseError',
      name: 'error',
      message: 'audit log refused',
      code: 'P0001',
    });
    expect((serializeError(pg) as SafeError).stack).toMatch(/^error: audit log refused\n\s+at /);
    expect(serializeError(sqlite)).toMatchObject({
      message: 'UNIQUE constraint failed: staff_member.email',
      code: 'SQLITE_CONSTRAINT_UNIQUE',
    });
    for (const error of [pg, sqlite]) {
      expect(textOf(serializeError(error))).not.toContain(EMAIL);
      expect(textOf(serializeError(error))).not.toContain('Leakwell');
    }
  });

  it('follows causes and wrappers that quote a database error', () => {
    const driverError = pgUniqueViolation();
    // umzug's MigrationError: "Migration <name> (up) failed: Original error: <message>".
    const migration = new Error(
      `Migration Migration2026 (up) failed: Original error: ${driverError.message}`,
      { cause: driverError },
    );
    const wrapped = new Error('the sync failed', { cause: migration });
    const serialized = serializeError(wrapped) as SafeError;

    expect(textOf(serialized)).not.toContain(EMAIL);
    const cause = serialized.cause as SafeError;
    expect(cause.message).toBe(
      'Migration Migration2026 (up) failed: Original error: duplicate key value violates unique constraint "staff_member_email_unique"',
    );
    expect(cause.stack?.split('\n')[0]).toBe(`Error: ${cause.message}`);
    expect((cause.cause as SafeError).message).toBe(
      'duplicate key value violates unique constraint "staff_member_email_unique"',
    );
    const aggregate = serializeError(new AggregateError([driverError], 'both failed')) as SafeError;
    expect(textOf(aggregate)).not.toContain(EMAIL);
  });

  it('withholds a quoted statement that has no driver message after it', () => {
    const error = new Error(`could not run: insert into staff_member values ('${EMAIL}')`);
    expect(serializeError(error)).toMatchObject({
      message: 'could not run: [SQL statement withheld]',
    });
    expect(textOf(serializeError(error))).not.toContain(EMAIL);
  });

  it('withholds the input PostgreSQL quotes in its message, even when it holds " - "', () => {
    const select = `select "s0".* from "staff_member" as "s0" where "s0"."id" = '${NAME}'`;
    const syntax = new DatabaseError(
      `${select} - invalid input syntax for type uuid: "${NAME}"`,
      '22P02',
    );
    expect(serializeError(syntax)).toMatchObject({
      message: 'invalid input syntax for type uuid: [value withheld]',
    });
    const range = new DatabaseError(
      `${select} - value "${NAME}" is out of range for type integer`,
      '22003',
    );
    expect(serializeError(range)).toMatchObject({
      message: 'value out of range for type integer',
    });
    expect(textOf([serializeError(syntax), serializeError(range)])).not.toContain('Leakwell');
  });

  it('leaves errors without a statement as they were', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const outage = new ConnectionException(refused);
    expect(serializeError(outage)).toMatchObject({
      type: 'ConnectionException',
      message: 'connect ECONNREFUSED 127.0.0.1:5432',
      stack: outage.stack,
      code: 'ECONNREFUSED',
    });
    const http = new Error('HTTP 502 - upstream closed the connection');
    expect(serializeError(http)).toMatchObject({ message: http.message, stack: http.stack });
  });

  it('leaves the error itself alone, so outage classification still sees its code and message', () => {
    const locked = new LockWaitTimeoutException(
      new SqliteError(
        `insert into \`audit_log_entry\` (\`actor\`) values ('${EMAIL}') - database is locked`,
        'SQLITE_BUSY',
      ),
    );
    const message = locked.message;
    expect(serializeError(locked)).toMatchObject({
      message: 'database is locked',
      code: 'SQLITE_BUSY',
    });
    expect(locked.message).toBe(message);
    expect(classifyDatabaseOutage(locked)).toEqual({ kind: 'busy', cause: 'SQLITE_BUSY' });
  });

  it('gives the same message to callers that record one', () => {
    expect(safeErrorMessage(pgUniqueViolation())).toBe(
      'duplicate key value violates unique constraint "staff_member_email_unique"',
    );
    expect(safeErrorMessage(new Error('plain'))).toBe('plain');
    expect(safeErrorMessage('a reason')).toBe('a reason');
  });
});
