import { Module } from '@nestjs/common';
import type { ModelOrm } from '@xero-access/model';
import { CONFIG, LOGGER, METRICS, MODEL_ORM, OPERATOR } from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { leaderInterval } from '../leader/leader-interval.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import type { Operator } from '../operator/operator.js';
import { WatchModule } from '../watch/watch.module.js';
import { RetentionSweep } from './retention-sweep.js';

export const RETENTION_SWEEP = Symbol('RetentionSweep');

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
    leaderInterval({
      name: 'retention-sweep',
      sweep: RETENTION_SWEEP,
      everyMs: (config) => config.retention.intervalMs,
    }),
  ],
  exports: [RETENTION_SWEEP],
})
export class RetentionModule {}
