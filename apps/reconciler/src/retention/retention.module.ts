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
import { RetentionSweep } from './retention-sweep.js';

export const RETENTION_SWEEP = Symbol('RetentionSweep');
const INTERVAL_NAME = 'retention-sweep';

/** The leader deletes what outlived its retention limit every RETENTION_INTERVAL (default 1h). */
@Module({
  imports: [WatchModule],
  providers: [
    {
      provide: RETENTION_SWEEP,
      inject: [CONFIG, LOGGER, MODEL_ORM, OPERATOR, METRICS],
      useFactory: (
        config: ReconcilerConfig,
        logger: Logger,
        orm: ModelOrm,
        operator: Operator,
        metrics: ReconcilerMetrics,
      ) =>
        new RetentionSweep({
          db: orm.db,
          database: reconcilerDatabase(config.databaseUrl),
          leadership: () => operator.leadership,
          limits: config.retention,
          metrics,
          logger: logger.child({ component: 'retention' }),
        }),
    },
  ],
  exports: [RETENTION_SWEEP],
})
export class RetentionModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(RETENTION_SWEEP) private readonly sweep: RetentionSweep,
    @Inject(SchedulerRegistry) private readonly scheduler: SchedulerRegistry,
    @Inject(CONFIG) private readonly config: ReconcilerConfig,
  ) {}

  onApplicationBootstrap(): void {
    registerLeaderInterval(
      this.scheduler,
      INTERVAL_NAME,
      this.sweep.scheduled,
      this.config.retention.intervalMs,
    );
  }

  /** No new sweep; the one running stops before its next batch. */
  async beforeApplicationShutdown(): Promise<void> {
    await stopLeaderInterval(this.scheduler, INTERVAL_NAME, this.sweep.scheduled);
  }
}
