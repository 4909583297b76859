import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import {
  ACCESS_REVIEW_STATUSES,
  AccessReview,
  type AccessReviewStatus,
} from '../entities/access-review.js';
import {
  REVIEW_DECISIONS,
  ReviewDecision,
  type ReviewDecisionKind,
} from '../entities/review-decision.js';
import { Snapshot } from '../entities/snapshot.js';
import { assertValidDate, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUuid, newId, xeroUserIdKey } from '../ids.js';
import { hasAccess } from '../snapshots/access.js';
import type { SnapshotUser } from '../snapshots/snapshot-user.js';
import { findConnection } from './connections.js';
import { connectionKey, type ConnectionRef, type ServiceContext } from './context.js';
import { newestFirstPage, type Page, type PageRequest } from './pagination.js';
import {
  addDecisionEvent,
  decisionHistory,
  type ReviewDecisionEventRecord,
} from './review-history.js';
import {
  itemsAfter,
  itemsPage,
  toDecisionRecord,
  type ReviewDecisionRecord,
} from './review-items.js';
import { reviewProgress, type ReviewProgress } from './review-progress.js';
import { openReviewOver, ReviewAlreadyOpenError } from './review-open.js';
import { toReviewRecord, type AccessReviewRecord } from './review-record.js';
import { outstandingReviewWork, type OutstandingReviewWork } from './review-outstanding.js';
import { openReviewReport, type ReviewReportExport } from './review-report.js';
import { assertNotOwnAccess, requireReviewerEmail } from './review-separation.js';

export type { ReviewDecisionEventRecord } from './review-history.js';
export type { ReviewDecisionRecord } from './review-items.js';
export type { ReviewProgress } from './review-progress.js';
export type { OutstandingReviewWork } from './review-outstanding.js';
export type { AccessReviewRecord } from './review-record.js';
export { ReviewAlreadyOpenError } from './review-open.js';
export type { AccessReviewReport, ReviewReportExport } from './review-report.js';

export interface DecisionInput {
  decision: ReviewDecisionKind;
  /** Required for change-role. */
  newRole?: string | null;
  comment?: string | null;
  by: string;
  /**
   * The deciding person's email, as their credential vouches for it: they may not decide on their
   * own access (separation of duties). Null when the credential names no person: the decision is
   * then refused, since the rule cannot be checked.
   */
  reviewerEmail: string | null;
  /** When reviewerEmail is null: why, and what would give one (it goes into the refusal). */
  noReviewerEmailReason?: string;
}

function alreadyOpen(
  open: AccessReviewRecord,
  connection: ConnectionRef,
  snapshot: Snapshot,
): ReviewAlreadyOpenError {
  return new ReviewAlreadyOpenError(open, {
    connection: connectionKey(connection),
    sequence: snapshot.sequence,
  });
}

function nonEmpty(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    throw new ValidationError(field, `must be a non-empty string of at most ${max} characters`);
  return value;
}

export class AccessReviewService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Starts a campaign over the tenant's latest snapshot: one item per user whose role is not
   * REMOVED. At most one review is open per snapshot (connection + tenant + snapshot): while one
   * is, this throws ReviewAlreadyOpenError (409) naming it, so a retried request starts nothing
   * (checked here, and by the unique index `access_review_open_snapshot_unique` for requests that
   * race). A later snapshot may have its own campaign. A `dueAt` not after `now` is refused
   * (ValidationError on `dueAt`): the review would be overdue from its start.
   */
  async create(
    input: {
      connection: ConnectionRef;
      tenantId: string;
      title: string;
      createdBy: string;
      dueAt?: Date | null;
    },
    now = new Date(),
  ): Promise<AccessReviewRecord> {
    const title = nonEmpty('title', input.title, 255);
    const createdBy = nonEmpty('createdBy', input.createdBy, 255);
    if (input.dueAt != null) {
      assertValidDate('dueAt', input.dueAt);
      if (input.dueAt <= now)
        throw new ValidationError(
          'dueAt',
          `${input.dueAt.toISOString()} is not in the future (now ${now.toISOString()}); give the date the review is to be completed by`,
        );
    }
    let reviewed: Snapshot | undefined;
    const started = this.ctx.em().transactional(async (em) => {
      const conn = await findConnection(em, input.connection);
      if (!conn) throw new NotFoundError('connection', connectionKey(input.connection));
      const snapshot = await em.findOne(
        Snapshot,
        { connection: conn, tenantId: input.tenantId },
        { orderBy: { sequence: 'desc' } },
      );
      // A tenant id the connection never synced is bad input (a typo, another connection's).
      if (!snapshot)
        throw new ValidationError(
          'tenantId',
          `tenant ${input.tenantId} of ${connectionKey(input.connection)} has no snapshot yet: ` +
            "check the tenant id (the connection's tenants are in GET /connections/{namespace}/{name}), or wait for its first sync",
        );
      reviewed = snapshot;
      const open = await openReviewOver(em, snapshot);
      if (open) throw alreadyOpen(open, input.connection, snapshot);
      await em.populate(snapshot, ['content']);
      const review = em.create(AccessReview, {
        id: newId(),
        connection: conn,
        tenantId: input.tenantId,
        snapshot,
        title,
        status: 'open',
        createdBy,
        createdAt: now,
        dueAt: input.dueAt ?? null,
      });
      const users = JSON.parse(snapshot.content.text) as SnapshotUser[];
      for (const u of users.filter(hasAccess)) {
        const name = [u.firstName, u.lastName].filter(Boolean).join(' ') || null;
        em.create(ReviewDecision, {
          id: newId(),
          review,
          userId: u.userId,
          email: u.email,
          name,
          organisationRole: u.organisationRole,
        });
      }
      await em.flush();
      return toReviewRecord(review);
    });
    try {
      return await started;
    } catch (error) {
      // Another request opened one over this snapshot between the check and the insert.
      const open =
        error instanceof UniqueConstraintViolationException && reviewed
          ? await openReviewOver(this.ctx.em(), reviewed)
          : null;
      throw open && reviewed ? alreadyOpen(open, input.connection, reviewed) : error;
    }
  }

  async get(id: string): Promise<(AccessReviewRecord & { progress: ReviewProgress }) | null> {
    const em = this.ctx.em();
    if (!isUuid(id)) return null;
    const review = await em.findOne(AccessReview, { id });
    if (!review) return null;
    return { ...toReviewRecord(review), progress: await reviewProgress(em, id) };
  }

  /** Newest first, keyset-paginated over (createdAt, id). */
  async list(
    filter: { connection?: ConnectionRef; status?: AccessReviewStatus } = {},
    page: PageRequest = {},
  ): Promise<Page<AccessReviewRecord>> {
    if (filter.status !== undefined && !ACCESS_REVIEW_STATUSES.includes(filter.status))
      throw new ValidationError('status', `must be one of ${ACCESS_REVIEW_STATUSES.join(', ')}`);
    const em = this.ctx.em();
    const qb = em.createQueryBuilder(AccessReview, 'r').select('*');
    if (filter.connection) {
      const conn = await findConnection(em, filter.connection);
      if (!conn) return { items: [], nextCursor: null };
      qb.andWhere({ connection: conn.id });
    }
    if (filter.status !== undefined) qb.andWhere({ status: filter.status });
    return newestFirstPage(em, qb, {
      scope: 'reviews',
      column: 'r.created_at',
      property: 'createdAt',
      timeOf: (r) => r.createdAt,
      page,
      map: toReviewRecord,
    });
  }

  /**
   * Every item of the review at once, by email then UserID (an item without an email first).
   * A review has an item per user of the tenant: callers that may meet a large one page instead.
   */
  async decisions(reviewId: string): Promise<ReviewDecisionRecord[]> {
    const em = this.ctx.em();
    await assertReviewExists(em, reviewId);
    return itemsAfter(em, reviewId, null);
  }

  /** The review's items in the order of `decisions`, keyset-paginated. */
  async decisionsPage(
    reviewId: string,
    page: PageRequest = {},
  ): Promise<Page<ReviewDecisionRecord>> {
    const em = this.ctx.em();
    await assertReviewExists(em, reviewId);
    return itemsPage(em, reviewId, page);
  }

  /**
   * Records (or changes) the decision for one user of an open review, keeping every earlier
   * decision in the item's history. The decision it holds already (same `decision` and `newRole`)
   * is no new decision: with the same comment too (a retried request) nothing is written and the
   * item is answered as it stands; with another comment the comment changes and a history event
   * records it (by `by`, at now), while `decidedBy`, `decidedAt` and a confirmed remediation stay. Refused (ForbiddenError) when the user under review is the
   * reviewer's own access, and when no reviewer email is given (the rule could not be checked);
   * a change-role to the role the user holds in the reviewed snapshot is a ValidationError on
   * `newRole`. Stamped with the service's clock once the review and the item are locked: a time
   * read before could precede a decision committed while this one waited, listing the two in the
   * wrong order with a contradicting `previousDecision`.
   */
  async decide(
    reviewId: string,
    xeroUserId: string,
    input: DecisionInput,
  ): Promise<ReviewDecisionRecord> {
    const userId = xeroUserIdKey(xeroUserId);
    if (!REVIEW_DECISIONS.includes(input.decision))
      throw new ValidationError('decision', `must be one of ${REVIEW_DECISIONS.join(', ')}`);
    const by = nonEmpty('by', input.by, 255);
    const newRole =
      input.decision === 'change-role' ? nonEmpty('newRole', input.newRole, 64) : null;
    if (input.decision !== 'change-role' && input.newRole)
      throw new ValidationError('newRole', 'is only allowed with decision change-role');
    if (
      input.comment != null &&
      (typeof input.comment !== 'string' || input.comment.length > 10_000)
    )
      throw new ValidationError('comment', 'must be at most 10000 characters');
    if (
      input.reviewerEmail != null &&
      (typeof input.reviewerEmail !== 'string' || input.reviewerEmail.length > 320)
    )
      throw new ValidationError('reviewerEmail', 'must be an email of at most 320 characters');
    if (!isUuid(reviewId)) throw new NotFoundError('access review', String(reviewId));
    const reviewerEmail = requireReviewerEmail({
      by,
      email: input.reviewerEmail,
      noEmailReason: input.noReviewerEmailReason,
    });
    return this.ctx.em().transactional(async (em) => {
      const review = await findOpenReview(em, reviewId, this.ctx.dialect === 'postgresql');
      // Locked so concurrent decisions on one user each see the decision they replace.
      const item = await em.findOne(
        ReviewDecision,
        { review, userId },
        this.ctx.dialect === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
      );
      if (!item) throw new NotFoundError('review item', userId);
      await assertNotOwnAccess(em, item, { by, email: reviewerEmail });
      // Remediation waits for a snapshot showing newRole: the role held already would confirm
      // the change at once, though nothing changed.
      if (newRole === item.organisationRole)
        throw new ValidationError(
          'newRole',
          `is the role the user holds already (${newRole}); decide keep, or name another role`,
        );
      const comment = input.comment ?? null;
      const sameDecision = item.decision === input.decision && item.newRole === newRole;
      // A retry (the client timed out after this committed): nothing to record, and a remediation
      // a later snapshot confirmed meanwhile stays confirmed.
      if (sameDecision && item.comment === comment) return toDecisionRecord(item);
      const now = this.ctx.clock();
      const previousDecision = item.decision;
      item.comment = comment;
      if (!sameDecision) {
        item.decision = input.decision;
        item.newRole = newRole;
        item.decidedBy = by;
        item.decidedAt = now;
        item.remediatedAt = null;
        item.remediatedSnapshot = null;
      }
      // A changed comment alone is a version of the decision too (who wrote it, when), but leaves
      // the decision, when it was made and its remediation as they are.
      addDecisionEvent(em, item, previousDecision, { by, at: now });
      await em.flush();
      return toDecisionRecord(item);
    });
  }

  /**
   * Per connection not deleted: revoke and change-role decisions no snapshot has shown carried out
   * yet (how many, and when the oldest was decided) and open reviews past `dueAt` at `now`. One
   * statement; what the reconciler's leader exports as metrics.
   */
  async outstanding(now = this.ctx.clock()): Promise<OutstandingReviewWork[]> {
    assertValidDate('now', now);
    return outstandingReviewWork(this.ctx.em(), now);
  }

  /** Every decision recorded in a review (or for one of its users), oldest first. */
  async history(reviewId: string, xeroUserId?: string): Promise<ReviewDecisionEventRecord[]> {
    const em = this.ctx.em();
    const userId = xeroUserId === undefined ? undefined : xeroUserIdKey(xeroUserId);
    await assertReviewExists(em, reviewId);
    if (userId !== undefined && !(await em.count(ReviewDecision, { review: reviewId, userId })))
      throw new NotFoundError('review item', userId);
    return decisionHistory(em, reviewId, userId);
  }

  /**
   * Everything an auditor needs about one campaign, as JSON read from the database a page at a
   * time (see openReviewReport): the review and its progress, the snapshot it reviewed (with the
   * hashes that tie it into the tenant's chain), every decision with its remediation, the history
   * of every decision, the remediations still open, and a digest. Null when there is no review.
   */
  async exportReport(id: string, now = this.ctx.clock()): Promise<ReviewReportExport | null> {
    if (!isUuid(id)) return null;
    return openReviewReport(this.ctx.em(), id, now);
  }

  /**
   * Closes the review; every user must have a decision. Remediation tracking continues after.
   * Stamped with the service's clock once the review is locked, so never before its last decision.
   */
  async complete(
    reviewId: string,
    by: string,
  ): Promise<AccessReviewRecord & { progress: ReviewProgress }> {
    nonEmpty('by', by, 255);
    if (!isUuid(reviewId)) throw new NotFoundError('access review', String(reviewId));
    return this.ctx.em().transactional(async (em) => {
      const review = await findOpenReview(em, reviewId, this.ctx.dialect === 'postgresql');
      const progress = await reviewProgress(em, reviewId);
      if (progress.undecided > 0)
        throw new ConflictError(
          `access review ${reviewId} has ${progress.undecided} undecided users`,
        );
      review.status = 'completed';
      review.completedAt = this.ctx.clock();
      review.completedBy = by;
      await em.flush();
      return { ...toReviewRecord(review), progress };
    });
  }
}

/**
 * The review to record against: it must exist and still be open. `lock` (PostgreSQL) holds it for
 * the rest of the transaction, so a decision and the completion take turns: a decision lands
 * before the review is completed, or sees it completed and is refused.
 */
async function findOpenReview(
  em: SqlEntityManager,
  reviewId: string,
  lock: boolean,
): Promise<AccessReview> {
  const review = await em.findOne(
    AccessReview,
    { id: reviewId },
    lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
  );
  if (!review) throw new NotFoundError('access review', reviewId);
  if (review.status !== 'open')
    throw new ConflictError(`access review ${reviewId} is ${review.status}`);
  return review;
}

async function assertReviewExists(em: SqlEntityManager, reviewId: string): Promise<void> {
  if (!isUuid(reviewId)) throw new NotFoundError('access review', String(reviewId));
  if (!(await em.count(AccessReview, { id: reviewId })))
    throw new NotFoundError('access review', reviewId);
}
