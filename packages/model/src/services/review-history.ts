import type { SqlEntityManager } from '@mikro-orm/knex';
import type { ReviewDecisionKind } from '../entities/review-decision.js';
import { ReviewDecisionEvent } from '../entities/review-decision-event.js';
import type { ReviewDecision } from '../entities/review-decision.js';
import { newId } from '../ids.js';

/**
 * One decision as it was recorded; a later change adds an event, never rewrites this one. A changed
 * comment on the same decision is an event too (`previousDecision` the same decision).
 */
export interface ReviewDecisionEventRecord {
  id: string;
  reviewId: string;
  userId: string;
  decision: ReviewDecisionKind;
  newRole: string | null;
  comment: string | null;
  /** Who recorded this entry (the decision, or a changed comment on it). */
  decidedBy: string;
  /** When this entry was recorded. */
  decidedAt: Date;
  /** The decision this one replaced (the same one for a changed comment); null for the first. */
  previousDecision: ReviewDecisionKind | null;
}

/** An event as the API shows it; the item's review and user are read by the caller. */
export function toDecisionEventRecord(
  e: Omit<ReviewDecisionEvent, 'item'>,
  reviewId: string,
  userId: string,
): ReviewDecisionEventRecord {
  return {
    id: e.id,
    reviewId,
    userId,
    decision: e.decision,
    newRole: e.newRole,
    comment: e.comment,
    decidedBy: e.decidedBy,
    decidedAt: e.decidedAt,
    previousDecision: e.previousDecision,
  };
}

/**
 * Appends the item's current decision (just set) to its history, as recorded by `recorded.by` at
 * `recorded.at`: the decision's maker and time, or, when only the comment changed, whoever changed
 * it and when (the item keeps the decision's).
 */
export function addDecisionEvent(
  em: SqlEntityManager,
  item: ReviewDecision,
  previousDecision: ReviewDecisionKind | null,
  recorded: { by: string; at: Date },
): void {
  em.create(ReviewDecisionEvent, {
    id: newId(),
    item,
    decision: item.decision!,
    newRole: item.newRole,
    comment: item.comment,
    decidedBy: recorded.by,
    decidedAt: recorded.at,
    previousDecision,
  });
}

/** Where an event sorts in a review's history: by when it was decided, then id. */
export interface EventPosition {
  decidedAt: Date;
  id: string;
}

/**
 * The review's decisions (or those of one of its users) after `after` (from the first without
 * it), oldest first, at most `limit` of them (all without it).
 */
export async function historyAfter(
  em: SqlEntityManager,
  reviewId: string,
  after: EventPosition | null,
  limit?: number,
  userId?: string,
): Promise<ReviewDecisionEventRecord[]> {
  const qb = em
    .createQueryBuilder(ReviewDecisionEvent, 'e')
    .select(['e.*', 'd.user_id', 'd.review_id'])
    .join('e.item', 'd')
    .where({ item: { review: reviewId, ...(userId === undefined ? {} : { userId }) } });
  if (after)
    qb.andWhere('(e.decided_at, e.id) > (?, ?)', [
      em.getPlatform().processDateProperty(after.decidedAt),
      after.id,
    ]);
  qb.orderBy({ decidedAt: 'asc', id: 'asc' });
  if (limit !== undefined) qb.limit(limit);
  // Plain rows, as for the items (see itemsAfter).
  const rows = (await qb.execute('all', true)) as unknown as (Omit<ReviewDecisionEvent, 'item'> & {
    user_id: string;
    review_id: string;
  })[];
  return rows.map((e) => toDecisionEventRecord(e, e.review_id, e.user_id));
}

/** Decisions of a review (or of one of its users), oldest first. */
export function decisionHistory(
  em: SqlEntityManager,
  reviewId: string,
  userId?: string,
): Promise<ReviewDecisionEventRecord[]> {
  return historyAfter(em, reviewId, null, undefined, userId);
}
