import { AccessReviewSchema } from './access-review.js';
import { AccountLinkSchema } from './account-link.js';
import { ApiTokenSchema } from './api-token.js';
import { AuditLogEntrySchema } from './audit-log-entry.js';
import { ConnectionSchema } from './connection.js';
import { FindingEventSchema } from './finding-event.js';
import { FindingSchema } from './finding.js';
import { ReviewDecisionEventSchema } from './review-decision-event.js';
import { ReviewDecisionSchema } from './review-decision.js';
import { SnapshotChainCheckpointSchema } from './snapshot-chain-checkpoint.js';
import { SnapshotContentSchema } from './snapshot-content.js';
import { SnapshotSchema } from './snapshot.js';
import { StaffMemberSchema } from './staff-member.js';
import { WebhookDeliverySchema } from './webhook-delivery.js';

export * from './access-review.js';
export * from './account-link.js';
export * from './api-token.js';
export * from './audit-log-entry.js';
export * from './connection.js';
export * from './finding-event.js';
export * from './finding.js';
export * from './review-decision-event.js';
export * from './review-decision.js';
export * from './snapshot-chain-checkpoint.js';
export * from './snapshot-content.js';
export * from './snapshot.js';
export * from './staff-member.js';
export * from './webhook-delivery.js';

export const allEntities = [
  ConnectionSchema,
  SnapshotContentSchema,
  SnapshotSchema,
  SnapshotChainCheckpointSchema,
  StaffMemberSchema,
  AccountLinkSchema,
  FindingSchema,
  FindingEventSchema,
  WebhookDeliverySchema,
  AuditLogEntrySchema,
  ApiTokenSchema,
  AccessReviewSchema,
  ReviewDecisionSchema,
  ReviewDecisionEventSchema,
];
