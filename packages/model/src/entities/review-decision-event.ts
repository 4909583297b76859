import { EntitySchema } from '@mikro-orm/core';
import { ReviewDecision, type ReviewDecisionKind } from './review-decision.js';

/**
 * One decision a reviewer recorded on a review item; append-only, so a decision changed later
 * (a `revoke` turned into `keep`) keeps its earlier versions, who made them and when. A changed
 * comment on the same decision adds one too (who changed it, when); the same decision and comment
 * again adds none.
 */
export class ReviewDecisionEvent {
  id!: string;
  item!: ReviewDecision;
  decision!: ReviewDecisionKind;
  newRole: string | null = null;
  comment: string | null = null;
  decidedBy!: string;
  decidedAt!: Date;
  /** The item's decision just before this one; null for the first. */
  previousDecision: ReviewDecisionKind | null = null;
}

export const ReviewDecisionEventSchema = new EntitySchema<ReviewDecisionEvent>({
  class: ReviewDecisionEvent,
  tableName: 'review_decision_event',
  properties: {
    id: { type: 'uuid', primary: true },
    item: { kind: 'm:1', entity: () => ReviewDecision, deleteRule: 'cascade' },
    decision: { type: 'string', length: 16 },
    newRole: { type: 'string', length: 64, nullable: true },
    comment: { type: 'text', nullable: true },
    decidedBy: { type: 'string', length: 255 },
    decidedAt: { type: 'datetime' },
    previousDecision: { type: 'string', length: 16, nullable: true },
  },
  indexes: [
    {
      name: 'review_decision_event_item_decided_index',
      properties: ['item', 'decidedAt'],
    },
  ],
});
