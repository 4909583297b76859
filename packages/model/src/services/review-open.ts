import type { SqlEntityManager } from '@mikro-orm/knex';
import { AccessReview } from '../entities/access-review.js';
import type { Snapshot } from '../entities/snapshot.js';
import { ConflictError } from '../errors.js';
import { toReviewRecord, type AccessReviewRecord } from './review-record.js';

/**
 * `reviews.create` over a snapshot that an open review covers already (a retried POST, or
 * someone else's campaign): a ConflictError (409) naming that review, which the caller continues.
 */
export class ReviewAlreadyOpenError extends ConflictError {
  constructor(
    readonly review: AccessReviewRecord,
    readonly where: { connection: string; sequence: number },
  ) {
    super(
      `access review ${review.id} (started by ${review.createdBy} at ${review.createdAt.toISOString()}) ` +
        `is already open over snapshot ${where.sequence} of tenant ${review.tenantId} of ${where.connection}: ` +
        'continue it, or complete it before starting another over this snapshot',
    );
  }
}

/** The oldest open review over `snapshot`, or null (at most one, but for earlier duplicates). */
export async function openReviewOver(
  em: SqlEntityManager,
  snapshot: Snapshot,
): Promise<AccessReviewRecord | null> {
  const open = await em.findOne(
    AccessReview,
    {
      connection: snapshot.connection.id,
      tenantId: snapshot.tenantId,
      snapshot: snapshot.id,
      status: 'open',
    },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
  return open ? toReviewRecord(open) : null;
}
