import { ValidationError } from '../errors.js';

export type Dialect = 'postgresql' | 'sqlite';

/** Both apps' default: one SQLite file, so left unset they share their findings. */
export const DEFAULT_DATABASE_URL = 'sqlite:///var/lib/xero-access/xao.db';

export interface ParsedDatabaseUrl {
  dialect: Dialect;
  /** PostgreSQL: the client URL as given. */
  clientUrl?: string;
  /** SQLite: a file path or `:memory:`. */
  dbName?: string;
}

/**
 * Picks the driver from the URL: `postgres://…` / `postgresql://…`, `sqlite::memory:`,
 * `sqlite:///absolute/path.db` or `sqlite:relative/path.db`.
 */
export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    try {
      const parsed = new URL(url);
      if (!parsed.pathname || parsed.pathname === '/') throw new Error('no database name');
    } catch (error) {
      throw new ValidationError(
        'url',
        `not a valid PostgreSQL URL (${(error as Error).message}); expected postgres://user:password@host:5432/database`,
      );
    }
    return { dialect: 'postgresql', clientUrl: url };
  }
  if (url.toLowerCase().startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length);
    if (rest === ':memory:' || rest === '//:memory:')
      return { dialect: 'sqlite', dbName: ':memory:' };
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    if (path === '')
      throw new ValidationError(
        'url',
        'the SQLite URL has no file path; expected sqlite:///path/to/file.db or sqlite::memory:',
      );
    return { dialect: 'sqlite', dbName: decodeURIComponent(path) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new ValidationError(
    'url',
    `unsupported database URL scheme ${scheme ? `"${scheme}"` : '(none)'}; expected postgres://…, sqlite:///path or sqlite::memory:`,
  );
}
