import { DriverException, LockWaitTimeoutException } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { databaseUnavailability } from './database-unavailable.js';

const driverError = (code: string) =>
  new DriverException(Object.assign(new Error(`failed (${code})`), { code }));
const socketError = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });

describe('databaseUnavailability', () => {
  it('calls a locked SQLite file or a PostgreSQL deadlock busy', () => {
    expect(
      databaseUnavailability(new LockWaitTimeoutException(new Error('database is locked'))),
    ).toBe('busy');
    expect(databaseUnavailability(driverError('40P01'))).toBe('busy');
    expect(databaseUnavailability(driverError('SQLITE_BUSY'))).toBe('busy');
    const beginTimedOut = Object.assign(new Error('database is locked'), {
      name: 'SqliteError',
      code: 'SQLITE_BUSY',
    });
    expect(databaseUnavailability(beginTimedOut)).toBe('busy');
  });

  it('calls a refused, shut down or exhausted PostgreSQL unreachable', () => {
    for (const code of ['ECONNREFUSED', '57P01', '57P03', '53300'])
      expect(databaseUnavailability(driverError(code)), code).toBe('unreachable');
    expect(
      databaseUnavailability(new Error('Knex: Timeout acquiring a connection. The pool is full.')),
    ).toBe('unreachable');
  });

  it('calls an unwrapped socket error (knex starting a transaction) a dependency', () => {
    expect(databaseUnavailability(socketError('ECONNREFUSED'))).toBe('dependency');
  });

  it('leaves everything else to be a 500', () => {
    expect(databaseUnavailability(driverError('23505'))).toBeNull();
    expect(databaseUnavailability(new Error('boom'))).toBeNull();
    expect(
      databaseUnavailability(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })),
    ).toBeNull();
    expect(databaseUnavailability('ECONNREFUSED')).toBeNull();
  });
});
