import type { SqlEntityManager } from '@mikro-orm/knex';
import type { ReviewDecision } from '../entities/review-decision.js';
import {
  assertNotOwnXeroAccess,
  requirePersonEmail,
  type Decider,
  type Duty,
} from './separation-of-duties.js';

const REVIEW: Duty = {
  role: 'reviewer',
  noOneDoes: 'decides on',
  mayNotDo: 'decide on',
  instead: 'another reviewer must decide',
};

/** A reviewer who names no person may not decide (see requirePersonEmail); answers their email. */
export function requireReviewerEmail(reviewer: Decider): string {
  return requirePersonEmail(reviewer, REVIEW);
}

/** A reviewer may not decide on their own Xero access: the user's email as reviewed, or a link. */
export async function assertNotOwnAccess(
  em: SqlEntityManager,
  item: ReviewDecision,
  reviewer: { by: string; email: string },
): Promise<void> {
  await assertNotOwnXeroAccess(em, item, reviewer, REVIEW);
}
