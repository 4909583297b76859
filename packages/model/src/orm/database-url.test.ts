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

  it.each([
    [
      'postgres://xao:S3cret%zzPw@db:5432/xao',
      'the password has a % not followed by two hex digits',
    ],
    ['postgres://xao:S3cret%Pw@db:5432/xao', 'the password has a % not followed by two hex digits'],
    ['postgres://xao:S3cret%FFPw@db:5432/xao', "the password's percent-encoding is not UTF-8"],
    [
      'postgres://x%g0:S3cretPw@db:5432/xao',
      'the user name has a % not followed by two hex digits',
    ],
    [
      'postgres://xao:S3cretPw@db:5432/xao%',
      'the database name has a % not followed by two hex digits',
    ],
    ['sqlite:///var/lib/S3cret%.db', 'the file path has a % not followed by two hex digits'],
  ])(
    'refuses %s, which the drivers could not decode, naming the setting and never the password',
    (url, problem) => {
      let message = '';
      try {
        parseDatabaseUrl(url, 'DATABASE_URL');
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toBe(`DATABASE_URL: ${problem} (write a % as %25)`);
      expect(message).not.toContain('S3cret');
    },
  );

  it('takes a percent-encoded password, user name and database name', () => {
    const url = 'postgres://x%40o:S3cret%25Pw%F0%9F%94%91@db:5432/x%2Dao';
    expect(parseDatabaseUrl(url, 'XAO_DATABASE_URL')).toEqual({
      dialect: 'postgresql',
      clientUrl: url,
    });
  });
});
