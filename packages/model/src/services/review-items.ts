import { raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { ReviewDecision, type ReviewDecisionKind } from '../entities/review-decision.js';
import {
  decodeTextCursor,
  encodeCursor,
  pageSize,
  toPage,
  type Page,
  type PageRequest,
} from './pagination.js';

export interface ReviewDecisionRecord {
  id: string;
  reviewId: string;
  userId: string;
  email: string | null;
  name: string | null;
  organisationRole: string;
  decision: ReviewDecisionKind | null;
  newRole: string | null;
  comment: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  /** For revoke / change-role: when a later snapshot showed it done. */
  remediatedAt: Date | null;
  remediatedSnapshotId: string | null;
}

/** An item's own columns; the review and the remediating snapshot are given as their ids. */
type ItemFields = Omit<ReviewDecision, 'review' | 'remediatedSnapshot'>;

function decisionRecord(
  d: ItemFields,
  reviewId: string,
  remediatedSnapshotId: string | null,
): ReviewDecisionRecord {
  return {
    id: d.id,
    reviewId,
    userId: d.userId,
    email: d.email,
    name: d.name,
    organisationRole: d.organisationRole,
    decision: d.decision,
    newRole: d.newRole,
    comment: d.comment,
    decidedBy: d.decidedBy,
    decidedAt: d.decidedAt,
    remediatedAt: d.remediatedAt,
    remediatedSnapshotId,
  };
}

export function toDecisionRecord(d: ReviewDecision): ReviewDecisionRecord {
  return decisionRecord(d, d.review.id, d.remediatedSnapshot?.id ?? null);
}

/**
 * Where an item sorts: by email, then UserID (unique in a review). An item without an email
 * sorts as the empty one, first, on both drivers (PostgreSQL would put nulls last, SQLite first).
 */
export interface ItemPosition {
  email: string;
  userId: string;
}

/**
 * The first key of the item order. Written as `review_decision_review_email_user_index` indexes
 * it (entities/review-decision.ts): both planners use an expression index only for the same
 * expression, so a page reads its rows from the index instead of sorting the review's rows.
 */
const EMAIL_ORDER = "coalesce(d.email, '')";
const SCOPE = 'review-items';

export function positionOf(d: { email: string | null; userId: string }): ItemPosition {
  return { email: d.email ?? '', userId: d.userId };
}

/** A row as the query builder maps it: properties, references as their ids. */
type ItemRow = ItemFields & { review: string; remediatedSnapshot: string | null };

/** The query of `itemsAfter` (exported so that tests and scripts can EXPLAIN it). */
export function itemsQuery(
  em: SqlEntityManager,
  reviewId: string,
  after: ItemPosition | null,
  limit?: number,
  decisions?: readonly ReviewDecisionKind[],
) {
  const qb = em.createQueryBuilder(ReviewDecision, 'd').select('*').where({ review: reviewId });
  if (decisions) qb.andWhere({ decision: { $in: [...decisions] } });
  // The row comparison alone would do, but SQLite seeks an expression index only with a plain
  // comparison of the expression (a row value starting with one it checks on every entry).
  if (after)
    qb.andWhere(`${EMAIL_ORDER} >= ? and (${EMAIL_ORDER}, d.user_id) > (?, ?)`, [
      after.email,
      after.email,
      after.userId,
    ]);
  qb.orderBy({ [raw(EMAIL_ORDER)]: 'asc', userId: 'asc' });
  if (limit !== undefined) qb.limit(limit);
  return qb;
}

/**
 * The review's items after `after` (from the first without it), in item order, at most `limit`
 * of them (all without it); `decisions` keeps those with one of these decisions. Read as plain
 * rows: a large review is read in many pages, and entities would cost several times as much.
 */
export async function itemsAfter(
  em: SqlEntityManager,
  reviewId: string,
  after: ItemPosition | null,
  limit?: number,
  decisions?: readonly ReviewDecisionKind[],
): Promise<ReviewDecisionRecord[]> {
  const qb = itemsQuery(em, reviewId, after, limit, decisions);
  const rows = (await qb.execute('all', true)) as unknown as ItemRow[];
  return rows.map((d) => decisionRecord(d, d.review, d.remediatedSnapshot));
}

/** One page of the review's items, by email then UserID, with an opaque cursor. */
export async function itemsPage(
  em: SqlEntityManager,
  reviewId: string,
  page: PageRequest,
): Promise<Page<ReviewDecisionRecord>> {
  const limit = pageSize(page.limit);
  const after = page.cursor ? decodeTextCursor(page.cursor, SCOPE) : null;
  const rows = await itemsAfter(
    em,
    reviewId,
    after && { email: after.value, userId: after.id },
    limit + 1,
  );
  return toPage(
    rows,
    limit,
    (d) => d,
    (d) => {
      const { email, userId } = positionOf(d);
      return encodeCursor(SCOPE, email, userId);
    },
  );
}
