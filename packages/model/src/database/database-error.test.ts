import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { databaseErrorKind } from './database-error.js';

describe('databaseErrorKind', () => {
  it('names the kind of a database error, never its SQL or parameters', () => {
    const cause = new Error(
      "insert into staff_member (email) values ('jack@acme.example') - duplicate key value",
    );
    const error = new UniqueConstraintViolationException(cause);
    expect(error.message).toContain('jack@acme.example');
    expect(databaseErrorKind(error)).toBe('UniqueConstraintViolationException');
  });

  it("names a driver's own error by its class and code (a raw statement: MikroORM does not convert it)", () => {
    class SqliteError extends Error {
      constructor(
        message: string,
        readonly code: string,
      ) {
        super(message);
      }
    }
    const sqlite = new SqliteError(
      "insert into staff_member (id) values ('jack@acme.example') - NOT NULL constraint failed",
      'SQLITE_CONSTRAINT_NOTNULL',
    );
    expect(databaseErrorKind(sqlite)).toBe('SqliteError SQLITE_CONSTRAINT_NOTNULL');
    // pg's DatabaseError: a SQLSTATE code and a severity.
    const pg = Object.assign(new Error("insert … ('jack@acme.example') - duplicate key value"), {
      code: '23505',
      severity: 'ERROR',
    });
    expect(databaseErrorKind(pg)).toBe('Error 23505');
  });

  it('is undefined for any other error', () => {
    expect(databaseErrorKind(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(
      undefined,
    );
    expect(databaseErrorKind(new Error('jack@acme.example'))).toBeUndefined();
    expect(databaseErrorKind('text')).toBeUndefined();
  });
});
