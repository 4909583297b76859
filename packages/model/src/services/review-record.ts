import type { AccessReview, AccessReviewStatus } from '../entities/access-review.js';

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

export function toReviewRecord(r: AccessReview): AccessReviewRecord {
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
