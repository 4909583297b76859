import type { SqlEntityManager } from '@mikro-orm/knex';
import { OPEN_REMEDIATION } from '../entities/review-decision.js';
import type { ConnectionRef } from './context.js';
import { rowDate } from './row-date.js';

/** What is left to do about one connection's access reviews (`reviews.outstanding`). */
export interface OutstandingReviewWork {
  connection: ConnectionRef;
  /** Revoke and change-role decisions no later snapshot has shown carried out yet. */
  openRemediations: number;
  /** When the oldest of those was decided; null when there are none. */
  oldestOpenRemediationAt: Date | null;
  /** Open reviews whose `dueAt` has passed. */
  overdueReviews: number;
}

// One statement for every connection: the open remediations through their partial index
// (review_decision_open_remediation_index, whose condition OPEN_REMEDIATION is, word for word),
// the overdue reviews from the few open ones.
export const OUTSTANDING_SQL = `
select c.namespace, c.name,
  coalesce(p.open_remediations, 0) as open_remediations,
  p.oldest_decided_at,
  coalesce(o.overdue_reviews, 0) as overdue_reviews
from connection c
left join (
  select r.connection_id, count(*) as open_remediations, min(d.decided_at) as oldest_decided_at
  from review_decision d join access_review r on r.id = d.review_id
  where ${OPEN_REMEDIATION}
  group by r.connection_id
) p on p.connection_id = c.id
left join (
  select connection_id, count(*) as overdue_reviews
  from access_review
  where status = 'open' and due_at < ?
  group by connection_id
) o on o.connection_id = c.id
where c.deleted_at is null
order by c.namespace, c.name`;

interface Row {
  namespace: string;
  name: string;
  open_remediations: number | string;
  oldest_decided_at: unknown;
  overdue_reviews: number | string;
}

/**
 * Every connection not deleted, with its open remediations, the time the oldest was decided, and
 * its open reviews past `dueAt` at `now`: zeros for one with none. A deleted connection is left
 * out: no snapshot can confirm its decisions any more.
 */
export async function outstandingReviewWork(
  em: SqlEntityManager,
  now: Date,
): Promise<OutstandingReviewWork[]> {
  const rows = await em
    .getConnection()
    .execute<Row[]>(OUTSTANDING_SQL, [em.getPlatform().processDateProperty(now)]);
  return rows.map((r) => ({
    connection: { namespace: r.namespace, name: r.name },
    openRemediations: Number(r.open_remediations),
    oldestOpenRemediationAt: rowDate(r.oldest_decided_at),
    overdueReviews: Number(r.overdue_reviews),
  }));
}
