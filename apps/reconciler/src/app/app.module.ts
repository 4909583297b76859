import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AlertsModule } from '../alerts/alerts.module.js';
import type { ReconcilerConfig } from '../config/config.js';
import { ConfigModule } from '../config/config.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { EvaluateModule } from '../evaluate/evaluate.module.js';
import { AcceptanceExpiryModule } from '../findings/acceptance-expiry.module.js';
import { HealthModule } from '../health/health.module.js';
import type { Logger } from '../logging/logger.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ReevaluateModule } from '../reevaluate/reevaluate.module.js';
import { RetentionModule } from '../retention/retention.module.js';
import { OutstandingReviewsModule } from '../reviews/outstanding-reviews.module.js';
import { TokenModule } from '../token/token.module.js';
import { WatchModule } from '../watch/watch.module.js';

/** The reconciler: modules follow the data flow (watch → reconcile → token → sync → snapshot → evaluate → findings). */
@Module({})
export class AppModule {
  static forRoot(config: ReconcilerConfig, logger?: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, logger),
        ScheduleModule.forRoot(),
        MetricsModule,
        DatabaseModule,
        TokenModule,
        EvaluateModule,
        AlertsModule,
        WatchModule,
        ReevaluateModule,
        AcceptanceExpiryModule,
        RetentionModule,
        OutstandingReviewsModule,
        HealthModule,
      ],
    };
  }
}
