import {
  DeadlockException,
  DriverException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import pg from 'pg';
import { freePort } from '@xero-access/testing';
import { describe, expect, it } from 'vitest';
import {
  DatabaseUnavailableError,
  classifyDatabaseOutage,
  describeDatabase,
  withDatabase,
} from './database-unavailable.js';

const withCode = (message: string, code: string, extra: object = {}) =>
  Object.assign(new Error(message), { code, ...extra });
/** What MikroORM throws around a driver error: its name, the driver's code copied on. */
const driverError = (code: string) =>
  new DriverException(Object.assign(new Error(`failed (${code})`), { code }));

describe('classifyDatabaseOutage', () => {
  it('recognises what pg raises when PostgreSQL does not answer (a real connection attempt)', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: await freePort() });
    const error = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(classifyDatabaseOutage(error)).toEqual({ kind: 'unreachable', cause: 'ECONNREFUSED' });
  });

  it.each<[string, Error & { code: string }]>([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset socket', withCode('read ECONNRESET', 'ECONNRESET')],
    ['an aborted connection', withCode('read ECONNABORTED', 'ECONNABORTED')],
    ['a timeout', withCode('connect ETIMEDOUT 10.0.0.5:5432', 'ETIMEDOUT')],
    ['a broken pipe', withCode('write EPIPE', 'EPIPE')],
    ['an unreachable host', withCode('connect EHOSTUNREACH 10.0.0.5:5432', 'EHOSTUNREACH')],
    ['an unreachable network', withCode('connect ENETUNREACH 10.0.0.5:5432', 'ENETUNREACH')],
    ['an unknown host', withCode('getaddrinfo ENOTFOUND db', 'ENOTFOUND')],
    ['a DNS hiccup', withCode('getaddrinfo EAI_AGAIN db', 'EAI_AGAIN')],
    [
      'PostgreSQL shutting down (57P01)',
      withCode('terminating connection due to administrator command', '57P01'),
    ],
    ['PostgreSQL crashing (57P02)', withCode('terminating connection due to crash', '57P02')],
    ['PostgreSQL starting up (57P03)', withCode('the database system is starting up', '57P03')],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
    ...['08000', '08001', '08003', '08004', '08006'].map(
      (code): [string, Error & { code: string }] => [
        `a connection exception of class 08 (${code})`,
        withCode('connection failure', code),
      ],
    ),
    [
      'SQLite file that cannot be opened',
      withCode('unable to open database file', 'SQLITE_CANTOPEN'),
    ],
    ['SQLite disk I/O error', withCode('disk I/O error', 'SQLITE_IOERR_READ')],
  ])('calls %s unreachable, by its code', (_what, error) => {
    expect(classifyDatabaseOutage(error)).toEqual({ kind: 'unreachable', cause: error.code });
  });

  it.each<[string, Error & { code: string }]>([
    ['SQLite busy', withCode('insert into `snapshot` … - database is locked', 'SQLITE_BUSY')],
    ['SQLite extended busy code', withCode('database is locked', 'SQLITE_BUSY_SNAPSHOT')],
    ['SQLite locked', withCode('database table is locked', 'SQLITE_LOCKED')],
    ['SQLite locking protocol', withCode('locking protocol', 'SQLITE_PROTOCOL')],
    ['a serialization failure (40001)', withCode('could not serialize access', '40001')],
    ['a deadlock (40P01)', withCode('deadlock detected', '40P01')],
    ['a lock not available (55P03)', withCode('could not obtain lock', '55P03')],
  ])('calls %s busy, by its code', (_what, error) => {
    expect(classifyDatabaseOutage(error)).toEqual({ kind: 'busy', cause: error.code });
  });

  it("reads the driver's code on MikroORM's exceptions", () => {
    for (const code of ['SQLITE_BUSY', '40001', '40P01', '55P03'])
      expect(classifyDatabaseOutage(driverError(code)), code).toEqual({
        kind: 'busy',
        cause: code,
      });
    for (const code of ['ECONNREFUSED', '57P01', '57P03', '53300', '08006'])
      expect(classifyDatabaseOutage(driverError(code)), code).toEqual({
        kind: 'unreachable',
        cause: code,
      });
    // better-sqlite3's own error, unwrapped when BEGIN IMMEDIATE itself times out.
    const beginTimedOut = Object.assign(new Error('database is locked'), {
      name: 'SqliteError',
      code: 'SQLITE_BUSY',
    });
    expect(classifyDatabaseOutage(beginTimedOut)).toEqual({ kind: 'busy', cause: 'SQLITE_BUSY' });
  });

  it("recognises MikroORM's lock, deadlock and connection exceptions by name", () => {
    expect(
      classifyDatabaseOutage(new LockWaitTimeoutException(new Error('database is locked'))),
    ).toEqual({ kind: 'busy', cause: 'LockWaitTimeoutException' });
    expect(classifyDatabaseOutage(new DeadlockException(new Error('deadlock')))).toEqual({
      kind: 'busy',
      cause: 'DeadlockException',
    });
    const lock = Object.assign(new Error('database is locked'), {
      name: 'LockWaitTimeoutException',
      code: 'SQLITE_BUSY',
    });
    expect(classifyDatabaseOutage(lock)).toEqual({ kind: 'busy', cause: 'SQLITE_BUSY' });
    const converted = Object.assign(new Error('unable to open database file'), {
      name: 'ConnectionException',
    });
    expect(classifyDatabaseOutage(converted)).toEqual({
      kind: 'unreachable',
      cause: 'ConnectionException',
    });
  });

  it('recognises code-less pg and knex failures by message, and wrapped causes', () => {
    expect(classifyDatabaseOutage(new Error('Connection terminated unexpectedly'))).toEqual({
      kind: 'unreachable',
      cause: 'connection terminated',
    });
    expect(classifyDatabaseOutage(new Error('Connection ended unexpectedly'))).toEqual({
      kind: 'unreachable',
      cause: 'connection ended',
    });
    expect(classifyDatabaseOutage(new Error('the database system is shutting down'))).toEqual({
      kind: 'unreachable',
      cause: 'server not accepting connections',
    });
    expect(classifyDatabaseOutage(new Error('SQLITE: database is locked'))).toEqual({
      kind: 'busy',
      cause: 'database is locked',
    });
    for (const timeout of [
      Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), {
        name: 'KnexTimeoutError',
      }),
      new Error('Knex: Timeout acquiring a connection. The pool is full.'),
    ])
      expect(classifyDatabaseOutage(timeout)).toEqual({
        kind: 'unreachable',
        cause: 'no free connection in the pool',
      });
    expect(
      classifyDatabaseOutage(
        new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'connect'),
      ),
    ).toEqual({ kind: 'unreachable', cause: 'ECONNREFUSED' });
    expect(
      classifyDatabaseOutage(
        new Error('insert failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') }),
      ),
    ).toEqual({ kind: 'unreachable', cause: 'ECONNRESET' });
    // An unwrapped socket error (knex starting a transaction throws them as they are).
    expect(
      classifyDatabaseOutage(
        withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED', { syscall: 'connect' }),
      ),
    ).toEqual({ kind: 'unreachable', cause: 'ECONNREFUSED' });
  });

  it('leaves other database and program errors alone', () => {
    expect(
      classifyDatabaseOutage(withCode('duplicate key value violates unique constraint', '23505')),
    ).toBeUndefined();
    expect(classifyDatabaseOutage(driverError('23505'))).toBeUndefined();
    expect(
      classifyDatabaseOutage(
        new UniqueConstraintViolationException(withCode('duplicate key', '23505')),
      ),
    ).toBeUndefined();
    expect(
      classifyDatabaseOutage(withCode('syntax error at or near "x"', '42601')),
    ).toBeUndefined();
    expect(
      classifyDatabaseOutage(withCode('UNIQUE constraint failed: finding.id', 'SQLITE_CONSTRAINT')),
    ).toBeUndefined();
    expect(classifyDatabaseOutage(new Error('boom'))).toBeUndefined();
    expect(classifyDatabaseOutage(new TypeError('x is undefined'))).toBeUndefined();
    expect(classifyDatabaseOutage('ECONNREFUSED')).toBeUndefined();
    expect(classifyDatabaseOutage(null)).toBeUndefined();
  });
});

describe('describeDatabase', () => {
  it('names host and port, never the user or password', () => {
    const text = describeDatabase('postgres://xao:s3cret@db.internal:6543/xao?sslmode=require');
    expect(text).toBe('PostgreSQL at db.internal:6543');
    expect(describeDatabase('postgresql://u:p@127.0.0.1/xao')).toBe('PostgreSQL at 127.0.0.1:5432');
    expect(describeDatabase('sqlite:///var/lib/xao/xero-access.sqlite')).toBe(
      'SQLite file /var/lib/xao/xero-access.sqlite',
    );
    expect(describeDatabase('mysql://root:hunter2@db/x')).toBe('the database');
  });
});

describe('withDatabase', () => {
  const user = {
    app: 'reconciler',
    database: describeDatabase('postgres://xao:s3cret@127.0.0.1:5432/xao'),
    meanwhile:
      'Nothing is lost: the snapshots and findings already recorded stay, and this sync is retried automatically.',
  };

  it('turns an outage into DatabaseUnavailableError naming the app and where to look, then what happens meanwhile', async () => {
    const error = await withDatabase(user, () =>
      Promise.reject(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toMatchObject({
      database: 'PostgreSQL at 127.0.0.1:5432',
      causeCode: 'ECONNREFUSED',
      kind: 'unreachable',
    });
    const message = (error as Error).message;
    expect(message).toBe(
      'The database the reconciler is configured with (PostgreSQL at 127.0.0.1:5432, DATABASE_URL) is not available (ECONNREFUSED): check that it is running and reachable from the reconciler. Nothing is lost: the snapshots and findings already recorded stay, and this sync is retried automatically.',
    );
    expect(message).not.toContain('s3cret');
  });

  it('ends at where to look when the app says nothing about meanwhile', () => {
    expect(
      new DatabaseUnavailableError(
        { app: 'admin API', database: 'PostgreSQL at db:5432' },
        { kind: 'unreachable', cause: '57P03' },
      ).message,
    ).toBe(
      'The database the admin API is configured with (PostgreSQL at db:5432, DATABASE_URL) is not available (57P03): check that it is running and reachable from the admin API.',
    );
  });

  it('says a busy database is busy, not down', async () => {
    const error = await withDatabase(user, () =>
      Promise.reject(withCode('deadlock detected', '40P01')),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'busy', causeCode: '40P01' });
    expect((error as Error).message).toBe(
      'The database the reconciler is configured with (PostgreSQL at 127.0.0.1:5432, DATABASE_URL) is busy (40P01): another transaction held a lock it needed. Nothing is lost: the snapshots and findings already recorded stay, and this sync is retried automatically.',
    );
  });

  it('passes results and other failures through unchanged', async () => {
    await expect(withDatabase(user, () => Promise.resolve(42))).resolves.toBe(42);
    const other = withCode('duplicate key', '23505');
    await expect(withDatabase(user, () => Promise.reject(other))).rejects.toBe(other);
  });
});
