import { raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import {
  NEEDS_REMEDIATION,
  ReviewDecision,
  type ReviewDecisionKind,
} from '../entities/review-decision.js';

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

export function emptyProgress(): ReviewProgress {
  return {
    total: 0,
    decided: 0,
    undecided: 0,
    keep: 0,
    revoke: 0,
    changeRole: 0,
    awaitingRemediation: 0,
    remediated: 0,
  };
}

/** Adds `count` items with `decision`, `remediated` of which a later snapshot has confirmed. */
export function countDecisions(
  progress: ReviewProgress,
  decision: ReviewDecisionKind | null,
  count: number,
  remediated: number,
): void {
  progress.total += count;
  if (decision === null) {
    progress.undecided += count;
    return;
  }
  progress.decided += count;
  if (!NEEDS_REMEDIATION.includes(decision)) {
    progress.keep += count;
    return;
  }
  if (decision === 'revoke') progress.revoke += count;
  else progress.changeRole += count;
  progress.remediated += remediated;
  progress.awaitingRemediation += count - remediated;
}

/** The review's progress, counted by the database (one row per kind of decision). */
export async function reviewProgress(
  em: SqlEntityManager,
  reviewId: string,
): Promise<ReviewProgress> {
  const rows = (await em
    .createQueryBuilder(ReviewDecision, 'd')
    .select(['d.decision', raw('count(*) as n'), raw('count(d.remediated_at) as remediated')])
    .where({ review: reviewId })
    .groupBy('d.decision')
    .execute('all', false)) as {
    decision: ReviewDecisionKind | null;
    n: number | string;
    remediated: number | string;
  }[];
  const progress = emptyProgress();
  for (const r of rows) countDecisions(progress, r.decision, Number(r.n), Number(r.remediated));
  return progress;
}
