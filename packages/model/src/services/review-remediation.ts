import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Connection } from '../entities/connection.js';
import { ReviewDecision } from '../entities/review-decision.js';
import type { Snapshot } from '../entities/snapshot.js';
import { hasAccess } from '../snapshots/access.js';
import type { SnapshotUser } from '../snapshots/snapshot-user.js';

/**
 * Marks `revoke` and `change-role` decisions of the tenant's reviews remediated once `users`
 * (a new snapshot) shows the access gone: the user absent or REMOVED, or, for change-role,
 * holding the new role. Returns how many decisions were remediated.
 */
export async function remediateReviewDecisions(
  em: SqlEntityManager,
  connection: Connection,
  tenantId: string,
  snapshot: Snapshot,
  users: readonly SnapshotUser[],
  at: Date,
): Promise<number> {
  const pending = await em.find(ReviewDecision, {
    review: { connection, tenantId },
    decision: { $in: ['revoke', 'change-role'] },
    remediatedAt: null,
  });
  if (pending.length === 0) return 0;
  const byId = new Map(users.map((u) => [u.userId, u]));
  let remediated = 0;
  for (const d of pending) {
    const user = byId.get(d.userId);
    const gone = user === undefined || !hasAccess(user);
    if (gone || (d.decision === 'change-role' && user.organisationRole === d.newRole)) {
      d.remediatedAt = at;
      d.remediatedSnapshot = snapshot;
      remediated++;
    }
  }
  await em.flush();
  return remediated;
}
