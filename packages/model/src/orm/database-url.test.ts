import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from './database-url.js';

describe('parseDatabaseUrl', () => {
  it.each([
    [
      'postgres://u:p@127.0.0.1:5432/xao',
      { dialect: 'postgresql', clientUrl: 'postgres://u:p@127.0.0.1:5432/xao' },
    ],
    [
      'postgresql://u@db/x?sslmode=require',
      { dialect: 'postgresql', clientUrl: 'postgresql://u@db/x?sslmode=require' },
    ],
    ['sqlite::memory:', { dialect: 'sqlite', dbName: ':memory:' }],
    ['sqlite:///var/lib/xao/db.sqlite', { dialect: 'sqlite', dbName: '/var/lib/xao/db.sqlite' }],
    ['sqlite:data/xao.db', { dialect: 'sqlite', dbName: 'data/xao.db' }],
    ['sqlite:///tmp/with%20space.db', { dialect: 'sqlite', dbName: '/tmp/with space.db' }],
  ])('%s', (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual(expected);
  });

  it('refuses other schemes, naming the field and never echoing the URL (it may hold a password)', () => {
    let message = '';
    try {
      parseDatabaseUrl('mysql://root:s3cret@db/x');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^url: unsupported database URL scheme "mysql"/);
    expect(message).not.toContain('s3cret');
  });

  it('refuses a PostgreSQL URL without a database and an empty SQLite path', () => {
    expect(() => parseDatabaseUrl('postgres://u:p@host')).toThrow(
      /url: not a valid PostgreSQL URL/,
    );
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(/url: the SQLite URL has no file path/);
  });
});
