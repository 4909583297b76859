import type { SqlEntityManager } from '@mikro-orm/knex';
import { type Connection } from '../entities/connection.js';
import {
  FINDING_STATUSES,
  Finding,
  SEVERITIES,
  type FindingStatus,
  type Severity,
} from '../entities/finding.js';
import { ValidationError } from '../errors.js';
import { findConnection } from './connections.js';
import type { ConnectionRef } from './context.js';
import { toFindingRecord, type FindingRecord } from './finding-records.js';
import {
  decodeTimeCursor,
  encodeCursor,
  pageSize,
  toPage,
  type Page,
  type PageRequest,
} from './pagination.js';

export interface FindingFilter {
  connection?: ConnectionRef;
  tenantId?: string;
  check?: string;
  status?: FindingStatus | FindingStatus[];
  severity?: Severity | Severity[];
  subjectKind?: string;
  subjectId?: string;
  /** Findings first seen at or after this instant. */
  since?: Date;
}

/**
 * Orders a listing can be paged in: keys no write changes, so a finding never moves across a
 * cursor. (`lastSeenAt` was one until every sync rewrote it under readers' cursors, skipping or
 * repeating findings: it is refused, naming this.)
 */
export const FINDING_SORTS = ['firstSeenAt'] as const;
export type FindingSort = (typeof FINDING_SORTS)[number];
export const LAST_SEEN_AT_SORT_REFUSED =
  'lastSeenAt cannot order pages: every sync rewrites it, so findings would move between pages (skipped or listed twice); use sort=firstSeenAt (the default), which never changes';

export interface FindingPageRequest extends PageRequest {
  /** Default `firstSeenAt`; ties broken by id. */
  sort?: FindingSort;
  /** Default `desc` (newest first). */
  order?: 'asc' | 'desc';
}

/** The `finding` column each sort orders by (also the admin API's raw-SQL listing's). */
export const FINDING_SORT_COLUMNS: Readonly<Record<FindingSort, string>> = {
  firstSeenAt: 'first_seen_at',
};

function oneOrMany<T extends string>(field: string, value: T | T[], allowed: readonly T[]): T[] {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw new ValidationError(field, 'must not be empty');
  for (const v of values)
    if (!allowed.includes(v))
      throw new ValidationError(field, `must be one of ${allowed.join(', ')}`);
  return values;
}

/**
 * Keyset pagination over (sort column, id): the next page starts strictly after the last row of
 * this one, using a row-value comparison both PostgreSQL and SQLite evaluate as an index range.
 */
export async function listFindings(
  em: SqlEntityManager,
  filter: FindingFilter,
  page: FindingPageRequest,
): Promise<Page<FindingRecord>> {
  const limit = pageSize(page.limit);
  const sort = page.sort ?? 'firstSeenAt';
  if ((sort as string) === 'lastSeenAt')
    throw new ValidationError('sort', LAST_SEEN_AT_SORT_REFUSED);
  if (!FINDING_SORTS.includes(sort))
    throw new ValidationError('sort', `must be one of ${FINDING_SORTS.join(', ')}`);
  const order = page.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc')
    throw new ValidationError('order', 'must be asc or desc');
  const scope = `findings:${sort}:${order}`;

  const qb = em.createQueryBuilder(Finding, 'f').select('f.*').joinAndSelect('f.connection', 'c');
  if (filter.connection) {
    const conn = await findConnection(em, filter.connection);
    if (!conn) return { items: [], nextCursor: null };
    qb.andWhere({ connection: conn.id });
  }
  if (filter.tenantId !== undefined) qb.andWhere({ tenantId: filter.tenantId });
  if (filter.check !== undefined) qb.andWhere({ check: filter.check });
  if (filter.status !== undefined)
    qb.andWhere({ status: { $in: oneOrMany('status', filter.status, FINDING_STATUSES) } });
  if (filter.severity !== undefined)
    qb.andWhere({ severity: { $in: oneOrMany('severity', filter.severity, SEVERITIES) } });
  if (filter.subjectKind !== undefined) qb.andWhere({ subjectKind: filter.subjectKind });
  if (filter.subjectId !== undefined) qb.andWhere({ subjectId: filter.subjectId });
  if (filter.since !== undefined) {
    if (!(filter.since instanceof Date) || Number.isNaN(filter.since.getTime()))
      throw new ValidationError('since', 'must be a valid date');
    qb.andWhere({ firstSeenAt: { $gte: filter.since } });
  }
  if (page.cursor) {
    const after = decodeTimeCursor(page.cursor, scope);
    const at = em.getPlatform().processDateProperty(after.at);
    const column = FINDING_SORT_COLUMNS[sort];
    qb.andWhere(`(f.${column}, f.id) ${order === 'desc' ? '<' : '>'} (?, ?)`, [at, after.id]);
  }
  const rows = await qb
    .orderBy({ [sort]: order, id: order })
    .limit(limit + 1)
    .getResult();
  return toPage(
    rows,
    limit,
    (f) => toFindingRecord(f, f.connection as Connection),
    (f) => encodeCursor(scope, f[sort].getTime(), f.id),
  );
}
