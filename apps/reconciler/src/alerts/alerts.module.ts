import { Global, Module } from '@nestjs/common';
import type { ModelOrm } from '@xero-access/model';
import { CONFIG, LOGGER, METRICS, MODEL_ORM, WEBHOOK_SENDER } from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import { WebhookSender } from './webhook-sender.js';

/** The alert webhook sender when ALERT_WEBHOOK_URL is configured (null otherwise). */
@Global()
@Module({
  providers: [
    {
      provide: WEBHOOK_SENDER,
      inject: [CONFIG, MODEL_ORM, LOGGER, METRICS],
      useFactory: (
        config: ReconcilerConfig,
        orm: ModelOrm,
        logger: Logger,
        metrics: ReconcilerMetrics,
      ) =>
        config.webhook
          ? new WebhookSender({
              db: orm.db,
              secret: config.webhook.secret!,
              logger: logger.child({ component: 'alerts' }),
              onAttempt: (result) => metrics.webhookDeliveries.inc({ result }),
            })
          : null,
    },
  ],
  exports: [WEBHOOK_SENDER],
})
export class AlertsModule {}
