import { raw, type FilterQuery } from '@mikro-orm/core';
import type { AccessReview } from '../entities/access-review.js';
import type { ReviewDecisionEvent } from '../entities/review-decision-event.js';
import type { ReviewDecision } from '../entities/review-decision.js';

/** Whose rows: a staff member, the Xero users tied to them, and their email when it is theirs alone. */
export interface SubjectScope {
  staffId: string;
  /** Lowercase Xero UserIDs (subject-users.ts). */
  userIds: string[];
  /** Lowercased; null when another staff member holds it too (subject-scope.ts). */
  email: string | null;
}

/**
 * The review rows that name a person, as filters: the erasure rewrites exactly these and the
 * export lists them, so the two cannot drift. Each call builds a new filter (a query spends its
 * raw keys); null when nothing can match (no tied users, or no email of theirs alone).
 */
export const subjectRows = {
  /** Review items about them: about a tied Xero user, or with their email. */
  decisionsAbout(scope: SubjectScope): FilterQuery<ReviewDecision> | null {
    const either: FilterQuery<ReviewDecision>[] = [];
    if (scope.userIds.length) either.push({ userId: { $in: scope.userIds } });
    if (scope.email !== null) either.push({ [raw('lower(email)')]: scope.email });
    return either.length ? { $or: either } : null;
  },
  /** Review items they decided (`decidedBy` `oidc:<email>`). */
  decisionsMade: (scope: SubjectScope) => asActor<ReviewDecision>(scope, 'decided_by'),
  /** Decisions they recorded, changed ones included (history events). */
  decisionEventsMade: (scope: SubjectScope) => asActor<ReviewDecisionEvent>(scope, 'decided_by'),
  /** Campaigns they started (`createdBy`). */
  reviewsCreated: (scope: SubjectScope) => asActor<AccessReview>(scope, 'created_by'),
  /** Campaigns they completed (`completedBy`). */
  reviewsCompleted: (scope: SubjectScope) => asActor<AccessReview>(scope, 'completed_by'),
};

/** Rows whose `column` is `oidc:<their email>`, compared case-insensitively. */
function asActor<E>(scope: SubjectScope, column: string): FilterQuery<E> | null {
  if (scope.email === null) return null;
  return { [raw(`lower(${column})`)]: `oidc:${scope.email}` } as FilterQuery<E>;
}
