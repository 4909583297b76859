import {
  withDatabase,
  type Database,
  type DatabaseUser,
  type OutstandingReviewWork,
} from '@xero-access/model';
import { LeaderSweep } from '../leader/leader-sweep.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';

/** How often the leader counts the outstanding review work: the alerts read it back over 5 minutes. */
export const OUTSTANDING_REVIEWS_INTERVAL_MS = 60_000;

export interface OutstandingReviewsOptions {
  db: Database;
  database: DatabaseUser;
  /** The term's signal while this replica leads (`Operator.leadership`): only the leader counts. */
  leadership(): AbortSignal | undefined;
  /** Whether the operator watches the namespace: the connections of others are not exported. */
  watches(namespace: string): boolean;
  metrics: ReconcilerMetrics;
  logger: Logger;
}

/**
 * Exports what is left to do about each watched connection's access reviews (one query:
 * `db.reviews.outstanding`): revoke and change-role decisions no snapshot has shown carried out
 * (`xao_review_remediations_open`, and the oldest one's age), and open reviews past their
 * `dueAt` (`xao_reviews_overdue`). Nothing else reports them until someone reads a review's report.
 */
export class OutstandingReviews {
  private readonly leader: LeaderSweep<OutstandingReviewWork[]>;

  constructor(private readonly options: OutstandingReviewsOptions) {
    this.leader = new LeaderSweep({
      leadership: options.leadership,
      work: (signal, now) => this.refresh(signal, now),
      failed: 'could not count outstanding access review work; the next refresh retries',
      logger: options.logger,
    });
  }

  /** The refreshes the reconciler schedules (outstanding-reviews.module.ts). */
  get scheduled(): LeaderSweep<unknown> {
    return this.leader;
  }

  /** One refresh; undefined on a standby, which exports none of it. */
  refreshNow(now = new Date()): Promise<OutstandingReviewWork[] | undefined> {
    return this.leader.run(now);
  }

  private async refresh(signal: AbortSignal, now: Date): Promise<OutstandingReviewWork[]> {
    const { db, database, metrics, watches } = this.options;
    const work = (await withDatabase(database, () => db.reviews.outstanding(now))).filter((w) =>
      watches(w.connection.namespace),
    );
    // Leadership ended while the query ran: the next leader exports its own.
    if (signal.aborted) return work;
    metrics.setReviewWork(
      work.map((w) => ({
        namespace: w.connection.namespace,
        name: w.connection.name,
        openRemediations: w.openRemediations,
        oldestOpenRemediationAt: w.oldestOpenRemediationAt,
        overdueReviews: w.overdueReviews,
      })),
    );
    return work;
  }
}
