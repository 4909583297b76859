import pg from 'pg';
import { freePort } from '@xero-access/testing';
import { describe, expect, it } from 'vitest';
import {
  DatabaseUnavailableError,
  databaseUnavailableCause,
  describeDatabase,
  withDatabase,
} from './database-unavailable.js';

const withCode = (message: string, code: string, extra: object = {}) =>
  Object.assign(new Error(message), { code, ...extra });

describe('databaseUnavailableCause', () => {
  it('recognises what pg raises when PostgreSQL does not answer (a real connection attempt)', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: await freePort() });
    const error = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(databaseUnavailableCause(error)).toBe('ECONNREFUSED');
  });

  it.each([
    ['a reset socket', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a timeout', withCode('connect ETIMEDOUT 10.0.0.5:5432', 'ETIMEDOUT')],
    ['an unknown host', withCode('getaddrinfo ENOTFOUND db', 'ENOTFOUND')],
    [
      'PostgreSQL shutting down (57P01)',
      withCode('terminating connection due to administrator command', '57P01'),
    ],
    ['PostgreSQL starting up (57P03)', withCode('the database system is starting up', '57P03')],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
    ['a connection exception class 08 (08006)', withCode('connection failure', '08006')],
    ['SQLite busy', withCode('insert into `snapshot` … - database is locked', 'SQLITE_BUSY')],
    ['SQLite locked', withCode('database table is locked', 'SQLITE_LOCKED')],
    ['SQLite extended busy code', withCode('database is locked', 'SQLITE_BUSY_SNAPSHOT')],
    [
      'SQLite file that cannot be opened',
      withCode('unable to open database file', 'SQLITE_CANTOPEN'),
    ],
  ])('recognises %s by its code', (_what, error) => {
    expect(databaseUnavailableCause(error)).toBe(error.code);
  });

  it('recognises MikroORM connection exceptions, code-less pg and knex failures, and wrapped causes', () => {
    const converted = Object.assign(new Error('unable to open database file'), {
      name: 'ConnectionException',
    });
    expect(databaseUnavailableCause(converted)).toBe('ConnectionException');
    const lock = Object.assign(new Error('database is locked'), {
      name: 'LockWaitTimeoutException',
      code: 'SQLITE_BUSY',
    });
    expect(databaseUnavailableCause(lock)).toBe('SQLITE_BUSY');
    expect(databaseUnavailableCause(new Error('Connection terminated unexpectedly'))).toBe(
      'connection terminated',
    );
    expect(
      databaseUnavailableCause(
        Object.assign(
          new Error('Knex: Timeout acquiring a connection. The pool is probably full.'),
          {
            name: 'KnexTimeoutError',
          },
        ),
      ),
    ).toBe('no free connection in the pool');
    expect(
      databaseUnavailableCause(
        new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'connect'),
      ),
    ).toBe('ECONNREFUSED');
    expect(
      databaseUnavailableCause(
        new Error('insert failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') }),
      ),
    ).toBe('ECONNRESET');
  });

  it('leaves other database and program errors alone', () => {
    expect(
      databaseUnavailableCause(withCode('duplicate key value violates unique constraint', '23505')),
    ).toBeUndefined();
    expect(
      databaseUnavailableCause(withCode('syntax error at or near "x"', '42601')),
    ).toBeUndefined();
    expect(
      databaseUnavailableCause(
        withCode('UNIQUE constraint failed: finding.id', 'SQLITE_CONSTRAINT'),
      ),
    ).toBeUndefined();
    expect(databaseUnavailableCause(new TypeError('x is undefined'))).toBeUndefined();
    expect(databaseUnavailableCause('ECONNREFUSED')).toBeUndefined();
    expect(databaseUnavailableCause(null)).toBeUndefined();
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
        { app: 'admin API', database: 'SQLite file /x.db' },
        'SQLITE_BUSY',
      ).message,
    ).toBe(
      'The database the admin API is configured with (SQLite file /x.db, DATABASE_URL) is not available (SQLITE_BUSY): check that it is running and reachable from the admin API.',
    );
  });

  it('passes results and other failures through unchanged', async () => {
    await expect(withDatabase(user, () => Promise.resolve(42))).resolves.toBe(42);
    const other = withCode('duplicate key', '23505');
    await expect(withDatabase(user, () => Promise.reject(other))).rejects.toBe(other);
  });
});
