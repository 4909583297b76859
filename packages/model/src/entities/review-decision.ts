import { EntitySchema } from '@mikro-orm/core';
import { AccessReview } from './access-review.js';
import { Snapshot } from './snapshot.js';

export const REVIEW_DECISIONS = ['keep', 'revoke', 'change-role'] as const;
export type ReviewDecisionKind = (typeof REVIEW_DECISIONS)[number];
/** The decisions a later snapshot must confirm (the access gone, or the new role); `keep` needs none. */
export const NEEDS_REMEDIATION: readonly ReviewDecisionKind[] = ['revoke', 'change-role'];
/** SQL: a decision a later snapshot has still to confirm (the partial index's condition). */
export const OPEN_REMEDIATION = `"decision" in ('revoke', 'change-role') and "remediated_at" is null`;

/**
 * One user under review and the reviewer's decision. A `revoke` or `change-role` stays
 * unremediated until a later snapshot shows the access gone (or the new role).
 */
export class ReviewDecision {
  id!: string;
  review!: AccessReview;
  userId!: string;
  email: string | null = null;
  name: string | null = null;
  organisationRole!: string;
  decision: ReviewDecisionKind | null = null;
  newRole: string | null = null;
  comment: string | null = null;
  decidedBy: string | null = null;
  decidedAt: Date | null = null;
  remediatedAt: Date | null = null;
  remediatedSnapshot: Snapshot | null = null;
}

export const ReviewDecisionSchema = new EntitySchema<ReviewDecision>({
  class: ReviewDecision,
  tableName: 'review_decision',
  properties: {
    id: { type: 'uuid', primary: true },
    review: { kind: 'm:1', entity: () => AccessReview, deleteRule: 'cascade' },
    userId: { type: 'string', length: 64 },
    email: { type: 'string', length: 320, nullable: true },
    name: { type: 'string', length: 511, nullable: true },
    organisationRole: { type: 'string', length: 64 },
    decision: { type: 'string', length: 16, nullable: true },
    newRole: { type: 'string', length: 64, nullable: true },
    comment: { type: 'text', nullable: true },
    decidedBy: { type: 'string', length: 255, nullable: true },
    decidedAt: { type: 'datetime', nullable: true },
    remediatedAt: { type: 'datetime', nullable: true },
    remediatedSnapshot: {
      kind: 'm:1',
      entity: () => Snapshot,
      nullable: true,
      deleteRule: 'set null',
    },
  },
  uniques: [{ name: 'review_decision_review_user_unique', properties: ['review', 'userId'] }],
  indexes: [
    {
      name: 'review_decision_review_email_user_index',
      // A review's items in the order they are listed (services/review-items.ts), an item without
      // an email as ''. The expression must stay the query's: the planners match it as written.
      expression:
        'create index "review_decision_review_email_user_index" on "review_decision" ("review_id", (coalesce("email", \'\')), "user_id")',
    },
    {
      name: 'review_decision_open_remediation_index',
      // The decisions still to be carried out, and only those (services/review-outstanding.ts): the
      // leader counts them every minute without reading every item of every review. Partial; the
      // condition must stay the query's, as the planners match it as written.
      expression: `create index "review_decision_open_remediation_index" on "review_decision" ("review_id", "decided_at") where ${OPEN_REMEDIATION}`,
    },
    // Deleting a snapshot (retention) sets this foreign key to null: found by the index, not by
    // reading every item of every review.
    { name: 'review_decision_remediated_snapshot_id_index', properties: ['remediatedSnapshot'] },
  ],
});
