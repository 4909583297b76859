import { Module } from '@nestjs/common';
import type { ModelOrm } from '@xero-access/model';
import { CONFIG, LOGGER, METRICS, MODEL_ORM, OPERATOR } from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import { watchesNamespace } from '../config/watches-namespace.js';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { leaderInterval } from '../leader/leader-interval.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import type { Operator } from '../operator/operator.js';
import { WatchModule } from '../watch/watch.module.js';
import { OUTSTANDING_REVIEWS_INTERVAL_MS, OutstandingReviews } from './outstanding-reviews.js';

export const OUTSTANDING_REVIEWS = Symbol('OutstandingReviews');

/** The leader exports the outstanding access review work every minute. */
@Module({
  imports: [WatchModule],
  providers: [
    {
      provide: OUTSTANDING_REVIEWS,
      inject: [CONFIG, LOGGER, MODEL_ORM, OPERATOR, METRICS],
      useFactory: (
        config: ReconcilerConfig,
        logger: Logger,
        orm: ModelOrm,
        operator: Operator,
        metrics: ReconcilerMetrics,
      ) =>
        new OutstandingReviews({
          db: orm.db,
          database: reconcilerDatabase(config.databaseUrl),
          leadership: () => operator.leadership,
          watches: watchesNamespace(config),
          metrics,
          logger: logger.child({ component: 'outstanding-reviews' }),
        }),
    },
    leaderInterval({
      name: 'outstanding-reviews',
      sweep: OUTSTANDING_REVIEWS,
      everyMs: () => OUTSTANDING_REVIEWS_INTERVAL_MS,
    }),
  ],
  exports: [OUTSTANDING_REVIEWS],
})
export class OutstandingReviewsModule {}
