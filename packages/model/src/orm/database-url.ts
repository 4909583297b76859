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
 * Why a part of the URL that is percent-decoded (decodeURIComponent: MikroORM's, ours for a
 * SQLite path) does not decode; never the part itself, which may be the password.
 */
function percentProblem(part: string, text: string): string | undefined {
  if (/%(?![0-9a-f]{2})/i.test(text))
    return `the ${part} has a % not followed by two hex digits (write a % as %25)`;
  try {
    decodeURIComponent(text);
    return undefined;
  } catch {
    return `the ${part}'s percent-encoding is not UTF-8 (write a % as %25)`;
  }
}

/**
 * Picks the driver from the URL: `postgres://…` / `postgresql://…`, `sqlite::memory:`,
 * `sqlite:///absolute/path.db` or `sqlite:relative/path.db`. Errors name `setting`, the setting
 * the URL came from (DATABASE_URL, XAO_DATABASE_URL, --url), and never hold the URL.
 */
export function parseDatabaseUrl(url: string, setting = 'url'): ParsedDatabaseUrl {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
      if (!parsed.pathname || parsed.pathname === '/') throw new Error('no database name');
    } catch (error) {
      throw new ValidationError(
        setting,
        `not a valid PostgreSQL URL (${(error as Error).message}); expected postgres://user:password@host:5432/database`,
      );
    }
    const undecodable =
      percentProblem('user name', parsed.username) ??
      percentProblem('password', parsed.password) ??
      percentProblem('database name', parsed.pathname);
    if (undecodable) throw new ValidationError(setting, undecodable);
    return { dialect: 'postgresql', clientUrl: url };
  }
  if (url.toLowerCase().startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length);
    if (rest === ':memory:' || rest === '//:memory:')
      return { dialect: 'sqlite', dbName: ':memory:' };
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    if (path === '')
      throw new ValidationError(
        setting,
        'the SQLite URL has no file path; expected sqlite:///path/to/file.db or sqlite::memory:',
      );
    const undecodable = percentProblem('file path', path);
    if (undecodable) throw new ValidationError(setting, undecodable);
    return { dialect: 'sqlite', dbName: decodeURIComponent(path) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new ValidationError(
    setting,
    `unsupported database URL scheme ${scheme ? `"${scheme}"` : '(none)'}; expected postgres://…, sqlite:///path or sqlite::memory:`,
  );
}
