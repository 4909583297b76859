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
  },
  indexes: [
    { name: 'access_review_connection_created_index', properties: ['connection', 'createdAt'] },
  ],
});
