import { LockMode } from '@mikro-orm/core';
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
import { canonicalJson } from '../hashing/canonical-json.js';
import { sha256Hex } from '../hashing/snapshot-hash.js';
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
import { assertNotOwnAccess, requireReviewerEmail } from './review-separation.js';

export type { ReviewDecisionEventRecord } from './review-history.js';

export interface AccessReviewRecord {
  id: string;
  connectionId: string;
  tenantId: string;
  snapshotId: string;
  title: string;
  status: AccessReviewStatus;
  createdBy: string;
  createdAt: Date;
  dueAt: Date | null;
  completedAt: Date | null;
  completedBy: string | null;
}

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

export interface ReviewProgress {
  total: number;
  decided: number;
  undecided: number;
  keep: number;
  revoke: number;
  changeRole: number;
  /** Revoke / change-role decisions a later snapshot has not yet confirmed. */
  awaitingRemediation: number;
  remediated: number;
}

/**
 * The completion report an auditor keeps: `sha256` is over the canonical JSON (RFC 8785) of the
 * report without `generatedAt` and itself, with dates as ISO strings (as it travels in JSON), so
 * every download of the same review state has the same digest and any JCS tool recomputes it.
 */
export interface AccessReviewReport {
  kind: 'xero-access-review-report';
  version: 2;
  generatedAt: Date;
  review: AccessReviewRecord & { progress: ReviewProgress };
  /** The snapshot reviewed, with the hashes that tie it into its tenant's chain. */
  snapshot: {
    id: string;
    connection: ConnectionRef;
    tenantId: string;
    tenantName: string;
    sequence: number;
    takenAt: Date;
    contentHash: string;
    chainHash: string;
  };
  decisions: ReviewDecisionRecord[];
  /** Every decision ever recorded in the campaign, oldest first (changed ones included). */
  history: ReviewDecisionEventRecord[];
  /** Revoke or change-role decisions that no later snapshot shows carried out yet. */
  openRemediations: ReviewDecisionRecord[];
  sha256: string;
}

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

function toReviewRecord(r: AccessReview): AccessReviewRecord {
  return {
    id: r.id,
    connectionId: r.connection.id,
    tenantId: r.tenantId,
    snapshotId: r.snapshot.id,
    title: r.title,
    status: r.status,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    dueAt: r.dueAt,
    completedAt: r.completedAt,
    completedBy: r.completedBy,
  };
}

function toDecisionRecord(d: ReviewDecision): ReviewDecisionRecord {
  return {
    id: d.id,
    reviewId: d.review.id,
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
    remediatedSnapshotId: d.remediatedSnapshot?.id ?? null,
  };
}

function progressOf(decisions: readonly ReviewDecision[]): ReviewProgress {
  const count = (p: (d: ReviewDecision) => boolean) => decisions.filter(p).length;
  const needsRemediation = (d: ReviewDecision) =>
    d.decision === 'revoke' || d.decision === 'change-role';
  return {
    total: decisions.length,
    decided: count((d) => d.decision !== null),
    undecided: count((d) => d.decision === null),
    keep: count((d) => d.decision === 'keep'),
    revoke: count((d) => d.decision === 'revoke'),
    changeRole: count((d) => d.decision === 'change-role'),
    awaitingRemediation: count((d) => needsRemediation(d) && d.remediatedAt === null),
    remediated: count((d) => needsRemediation(d) && d.remediatedAt !== null),
  };
}

function nonEmpty(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    throw new ValidationError(field, `must be a non-empty string of at most ${max} characters`);
  return value;
}

export class AccessReviewService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Starts a campaign over the tenant's latest snapshot: one item per user whose role is not REMOVED. */
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
    if (input.dueAt != null) assertValidDate('dueAt', input.dueAt);
    return this.ctx.em().transactional(async (em) => {
      const conn = await findConnection(em, input.connection);
      if (!conn) throw new NotFoundError('connection', connectionKey(input.connection));
      const snapshot = await em.findOne(
        Snapshot,
        { connection: conn, tenantId: input.tenantId },
        { orderBy: { sequence: 'desc' }, populate: ['content'] },
      );
      if (!snapshot)
        throw new ConflictError(
          `tenant ${input.tenantId} of ${connectionKey(input.connection)} has no snapshot yet`,
        );
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
  }

  async get(id: string): Promise<(AccessReviewRecord & { progress: ReviewProgress }) | null> {
    const em = this.ctx.em();
    if (!isUuid(id)) return null;
    const review = await em.findOne(AccessReview, { id });
    if (!review) return null;
    const decisions = await em.find(ReviewDecision, { review });
    return { ...toReviewRecord(review), progress: progressOf(decisions) };
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

  /** The review's items, by email then userId. */
  async decisions(reviewId: string): Promise<ReviewDecisionRecord[]> {
    const em = this.ctx.em();
    if (!isUuid(reviewId)) throw new NotFoundError('access review', String(reviewId));
    if (!(await em.count(AccessReview, { id: reviewId })))
      throw new NotFoundError('access review', reviewId);
    const rows = await em.find(
      ReviewDecision,
      { review: reviewId },
      { orderBy: { email: 'asc', userId: 'asc' } },
    );
    return rows.map(toDecisionRecord);
  }

  /**
   * Records (or changes) the decision for one user of an open review, keeping every earlier
   * decision in the item's history. Refused (ForbiddenError) when the user under review is the
   * reviewer's own access, and when no reviewer email is given (the rule could not be checked);
   * a change-role to the role the user holds in the reviewed snapshot is a ValidationError on
   * `newRole`.
   */
  async decide(
    reviewId: string,
    xeroUserId: string,
    input: DecisionInput,
    now = new Date(),
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
      const previousDecision = item.decision;
      item.decision = input.decision;
      item.newRole = newRole;
      item.comment = input.comment ?? null;
      item.decidedBy = by;
      item.decidedAt = now;
      item.remediatedAt = null;
      item.remediatedSnapshot = null;
      addDecisionEvent(em, item, previousDecision);
      await em.flush();
      return toDecisionRecord(item);
    });
  }

  /** Every decision recorded in a review (or for one of its users), oldest first. */
  async history(reviewId: string, xeroUserId?: string): Promise<ReviewDecisionEventRecord[]> {
    const em = this.ctx.em();
    const userId = xeroUserId === undefined ? undefined : xeroUserIdKey(xeroUserId);
    if (!isUuid(reviewId)) throw new NotFoundError('access review', String(reviewId));
    if (!(await em.count(AccessReview, { id: reviewId })))
      throw new NotFoundError('access review', reviewId);
    if (userId !== undefined && !(await em.count(ReviewDecision, { review: reviewId, userId })))
      throw new NotFoundError('review item', userId);
    return decisionHistory(em, reviewId, userId);
  }

  /**
   * Everything an auditor needs about one campaign: the review and its progress, the snapshot it
   * reviewed (with the hashes that tie it into the tenant's chain), every decision with its
   * remediation, the history of every decision, the remediations still open, and a digest.
   */
  async report(id: string, now = new Date()): Promise<AccessReviewReport | null> {
    if (!isUuid(id)) return null;
    const em = this.ctx.em();
    const review = await em.findOne(AccessReview, { id }, { populate: ['connection', 'snapshot'] });
    if (!review) return null;
    const found = await em.find(
      ReviewDecision,
      { review },
      { orderBy: { email: 'asc', userId: 'asc' } },
    );
    const decisions = found.map(toDecisionRecord);
    const s = review.snapshot;
    const content = {
      kind: 'xero-access-review-report' as const,
      version: 2 as const,
      review: { ...toReviewRecord(review), progress: progressOf(found) },
      snapshot: {
        id: s.id,
        connection: { namespace: review.connection.namespace, name: review.connection.name },
        tenantId: s.tenantId,
        tenantName: s.tenantName,
        sequence: s.sequence,
        takenAt: s.takenAt,
        contentHash: s.content.hash,
        chainHash: s.chainHash,
      },
      decisions,
      history: await decisionHistory(em, review.id),
      openRemediations: decisions.filter(
        (d) => (d.decision === 'revoke' || d.decision === 'change-role') && d.remediatedAt === null,
      ),
    };
    const asJson = JSON.parse(JSON.stringify(content)) as unknown;
    return { ...content, generatedAt: now, sha256: sha256Hex(canonicalJson(asJson)) };
  }

  /** Closes the review; every user must have a decision. Remediation tracking continues after. */
  async complete(
    reviewId: string,
    by: string,
    now = new Date(),
  ): Promise<AccessReviewRecord & { progress: ReviewProgress }> {
    nonEmpty('by', by, 255);
    if (!isUuid(reviewId)) throw new NotFoundError('access review', String(reviewId));
    return this.ctx.em().transactional(async (em) => {
      const review = await findOpenReview(em, reviewId, this.ctx.dialect === 'postgresql');
      const decisions = await em.find(ReviewDecision, { review });
      const progress = progressOf(decisions);
      if (progress.undecided > 0)
        throw new ConflictError(
          `access review ${reviewId} has ${progress.undecided} undecided users`,
        );
      review.status = 'completed';
      review.completedAt = now;
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
