import {
  Inject,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { ModelOrm } from '@xero-access/model';
import { CONFIG, LOGGER, METRICS, MODEL_ORM, OPERATOR } from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { registerLeaderInterval, stopLeaderInterval } from '../leader/leader-interval.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import type { Operator } from '../operator/operator.js';
import { WatchModule } from '../watch/watch.module.js';
import { OUTSTANDING_REVIEWS_INTERVAL_MS, OutstandingReviews } from './outstanding-reviews.js';

export const OUTSTANDING_REVIEWS = Symbol('OutstandingReviews');
const INTERVAL_NAME = 'outstanding-reviews';

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
          watches: (namespace) =>
            config.watchNamespaces.length === 0 || config.watchNamespaces.includes(namespace),
          metrics,
          logger: logger.child({ component: 'outstanding-reviews' }),
        }),
    },
  ],
  exports: [OUTSTANDING_REVIEWS],
})
export class OutstandingReviewsModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(OUTSTANDING_REVIEWS) private readonly reviews: OutstandingReviews,
    @Inject(SchedulerRegistry) private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    registerLeaderInterval(
      this.scheduler,
      INTERVAL_NAME,
      this.reviews.scheduled,
      OUTSTANDING_REVIEWS_INTERVAL_MS,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await stopLeaderInterval(this.scheduler, INTERVAL_NAME, this.reviews.scheduled);
  }
}
