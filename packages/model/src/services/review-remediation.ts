import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Connection } from '../entities/connection.js';
import {
  NEEDS_REMEDIATION,
  ReviewDecision,
  type ReviewDecisionKind,
} from '../entities/review-decision.js';
import type { Snapshot } from '../entities/snapshot.js';
import { hasAccess } from '../snapshots/access.js';
import type { SnapshotUser } from '../snapshots/snapshot-user.js';

/** Ids per UPDATE, well under either driver's limit on bound values. */
const CHUNK = 1000;

interface Pending {
  id: string;
  userId: string;
  decision: ReviewDecisionKind;
  newRole: string | null;
}

/**
 * Marks `revoke` and `change-role` decisions of the tenant's reviews remediated once `users`
 * (a new snapshot) shows the access gone: the user absent or REMOVED, or, for change-role,
 * holding the new role. Returns how many decisions were remediated.
 *
 * Only decisions made by `at` (the snapshot's `takenAt`, which dates the remediation) count: the
 * users were fetched before the snapshot is written, so a decision made in between would be
 * shown remediated before it was decided. It waits for the next snapshot.
 *
 * The pending decisions are read without a lock, so a reviewer may change one before it is
 * written: each UPDATE repeats the condition it was chosen by. PostgreSQL re-checks an UPDATE's
 * condition against a row a concurrent transaction changed once that one commits, so a decision
 * changed meanwhile (to keep, or to another role) is left as the reviewer made it; the next
 * snapshot showing it done remediates it. Only the UPDATEs lock decisions, and never a review, so
 * there is no lock cycle with `decide` (which locks the review, then one decision).
 */
export async function remediateReviewDecisions(
  em: SqlEntityManager,
  connection: Connection,
  tenantId: string,
  snapshot: Snapshot,
  users: readonly SnapshotUser[],
  at: Date,
): Promise<number> {
  const pending = (await em
    .createQueryBuilder(ReviewDecision, 'd')
    .select(['d.id', 'd.userId', 'd.decision', 'd.newRole'])
    .join('d.review', 'r')
    .where({
      'r.connection': connection.id,
      'r.tenantId': tenantId,
      decision: { $in: NEEDS_REMEDIATION },
      decidedAt: { $lte: at },
      remediatedAt: null,
    })
    .execute('all', true)) as unknown as Pending[];
  if (pending.length === 0) return 0;
  const byId = new Map(users.map((u) => [u.userId, u]));
  const gone: string[] = [];
  const toRole = new Map<string, string[]>();
  for (const d of pending) {
    const user = byId.get(d.userId);
    if (user === undefined || !hasAccess(user)) gone.push(d.id);
    else if (d.decision === 'change-role' && user.organisationRole === d.newRole) {
      const ids = toRole.get(user.organisationRole) ?? [];
      ids.push(d.id);
      toRole.set(user.organisationRole, ids);
    }
  }
  const remediate = async (ids: string[], condition: object) => {
    let n = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const result = await em
        .createQueryBuilder(ReviewDecision)
        .update({ remediatedAt: at, remediatedSnapshot: snapshot.id })
        .where({
          id: { $in: ids.slice(i, i + CHUNK) },
          decidedAt: { $lte: at },
          remediatedAt: null,
          ...condition,
        })
        .execute('run');
      n += result.affectedRows;
    }
    return n;
  };
  // Gone: done whatever the decision now is, as long as it still asks for remediation.
  let remediated = await remediate(gone, { decision: { $in: NEEDS_REMEDIATION } });
  for (const [role, ids] of toRole)
    remediated += await remediate(ids, { decision: 'change-role', newRole: role });
  return remediated;
}
