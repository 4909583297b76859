import type { EntityManager, QueryBuilder } from '@mikro-orm/knex';
import { PageRequestError } from '../errors.js';
import { isUuid } from '../ids.js';

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PageRequest {
  /** 1..500, default 50. */
  limit?: number;
  cursor?: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new PageRequestError('limit', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

/** The answer to a cursor this listing did not hand out (forged, truncated, or another sort's). */
function notACursor(): PageRequestError {
  return new PageRequestError(
    'cursor',
    'is not a cursor returned by this listing (or belongs to another sort)',
  );
}

/**
 * An opaque keyset cursor: base64url of `[scope, value, id]`, where `scope` names the sort it
 * belongs to, so a cursor from one sort cannot be replayed against another.
 */
export function encodeCursor(scope: string, value: string | number, id: string): string {
  return Buffer.from(JSON.stringify([scope, value, id]), 'utf8').toString('base64url');
}

export function decodeCursor(
  cursor: string,
  scope: string,
): { value: string | number; id: string } {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw notACursor();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw notACursor();
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) throw notACursor();
  const [s, value, id] = decoded as unknown[];
  // id: a UUID, a name, or a Kubernetes object name (up to 253 characters).
  if (s !== scope || typeof id !== 'string' || id.length > 253) throw notACursor();
  if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value)))
    throw notACursor();
  return { value, id };
}

/** A cursor over a unique pair of strings, as `encodeCursor(scope, text, id)` wrote it. */
export function decodeTextCursor(cursor: string, scope: string): { value: string; id: string } {
  const { value, id } = decodeCursor(cursor, scope);
  if (typeof value !== 'string') {
    throw notACursor();
  }
  return { value, id };
}

/** Largest magnitude a JavaScript Date accepts (ms from the epoch). */
const MAX_DATE_MS = 8.64e15;

/** A cursor over (timestamp, id) as `encodeCursor(scope, date.getTime(), uuid)` wrote it. */
export function decodeTimeCursor(cursor: string, scope: string): { at: Date; id: string } {
  const { value, id } = decodeCursor(cursor, scope);
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    Math.abs(value) > MAX_DATE_MS ||
    !isUuid(id)
  ) {
    throw notACursor();
  }
  return { at: new Date(value), id };
}

/** Splits a `limit + 1` fetch into a page and its next cursor. */
export function toPage<E, T>(
  rows: E[],
  limit: number,
  map: (row: E) => T,
  cursorOf: (row: E) => string,
): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: more && last ? cursorOf(last) : null };
}

export interface TimeOrderedPageOptions<E, T> {
  scope: string;
  /** `alias.column` of the timestamp, as it is in SQL (for the cursor condition). */
  column: string;
  /** The same timestamp as an entity property (for the order). */
  property: string;
  timeOf: (row: E) => Date;
  order: 'asc' | 'desc';
  page: PageRequest;
  map: (row: E) => T;
}

/**
 * One page over (timestamp, id) in the given order: the cursor condition, the order, the
 * `limit + 1` fetch and the next cursor, for a query builder already filtered by the caller.
 */
export async function timeOrderedPage<E extends { id: string }, T>(
  em: EntityManager,
  qb: QueryBuilder<E>,
  options: TimeOrderedPageOptions<E, T>,
): Promise<Page<T>> {
  const limit = pageSize(options.page.limit);
  const alias = options.column.split('.')[0];
  if (options.page.cursor) {
    const after = decodeTimeCursor(options.page.cursor, options.scope);
    qb.andWhere(`(${options.column}, ${alias}.id) ${options.order === 'desc' ? '<' : '>'} (?, ?)`, [
      em.getPlatform().processDateProperty(after.at),
      after.id,
    ]);
  }
  const rows = await qb
    .orderBy({ [options.property]: options.order, id: options.order } as never)
    .limit(limit + 1)
    .getResult();
  return toPage(rows, limit, options.map, (row) =>
    encodeCursor(options.scope, options.timeOf(row).getTime(), row.id),
  );
}

/** One page, newest first, over (timestamp, id) (see timeOrderedPage). */
export function newestFirstPage<E extends { id: string }, T>(
  em: EntityManager,
  qb: QueryBuilder<E>,
  options: Omit<TimeOrderedPageOptions<E, T>, 'order'>,
): Promise<Page<T>> {
  return timeOrderedPage(em, qb, { ...options, order: 'desc' });
}
