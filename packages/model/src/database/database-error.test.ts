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

  it('is undefined for any other error', () => {
    expect(databaseErrorKind(new Error('jack@acme.example'))).toBeUndefined();
    expect(databaseErrorKind('text')).toBeUndefined();
  });
});
