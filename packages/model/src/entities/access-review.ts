import { EntitySchema } from '@mikro-orm/core';
import { Connection } from './connection.js';
import { Snapshot } from './snapshot.js';

export const ACCESS_REVIEW_STATUSES = ['open', 'completed'] as const;
export type AccessReviewStatus = (typeof ACCESS_REVIEW_STATUSES)[number];

/** A review campaign over one tenant's users, frozen at the snapshot it started from. */
export class AccessReview {
  id!: string;
  connection!: Connection;
  tenantId!: string;
  snapshot!: Snapshot;
  title!: string;
  status: AccessReviewStatus = 'open';
  createdBy!: string;
  createdAt!: Date;
  dueAt: Date | null = null;
  completedAt: Date | null = null;
  completedBy: string | null = null;
  /**
   * Set only on a review that an earlier version opened over the same snapshot as an older open
   * review (a retried POST): the older one's id. Such duplicates stay as they were (their decisions
   * are evidence); every other review is unique among the open ones of its snapshot. Never written
   * by this code (undefined: left out of inserts), and lazy: no read needs it.
   */
  duplicateOf?: string | null;
}

export const AccessReviewSchema = new EntitySchema<AccessReview>({
  class: AccessReview,
  tableName: 'access_review',
  properties: {
    id: { type: 'uuid', primary: true },
    connection: { kind: 'm:1', entity: () => Connection, deleteRule: 'restrict' },
    tenantId: { type: 'string', length: 64 },
    snapshot: { kind: 'm:1', entity: () => Snapshot, deleteRule: 'restrict' },
    title: { type: 'string', length: 255 },
    status: { type: 'string', length: 16 },
    createdBy: { type: 'string', length: 255 },
    createdAt: { type: 'datetime' },
    dueAt: { type: 'datetime', nullable: true },
    completedAt: { type: 'datetime', nullable: true },
    completedBy: { type: 'string', length: 255, nullable: true },
    duplicateOf: { type: 'uuid', nullable: true, lazy: true },
  },
  uniques: [
    {
      name: 'access_review_open_snapshot_unique',
      // At most one open review per connection, tenant and snapshot: a retried POST /reviews
      // cannot start a second campaign. Partial (both dialects have them), quoted as both accept.
      expression:
        'create unique index "access_review_open_snapshot_unique" on "access_review" ("connection_id", "tenant_id", "snapshot_id") where "status" = \'open\' and "duplicate_of" is null',
    },
  ],
  indexes: [
    { name: 'access_review_connection_created_index', properties: ['connection', 'createdAt'] },
    // Deleting a snapshot (retention) checks that no review refers to it: by the index.
    { name: 'access_review_snapshot_id_index', properties: ['snapshot'] },
  ],
});
