import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { Global, Module } from '@nestjs/common';
import type { ModelOrm } from '@xero-access/model';
import {
  ALERT_TARGETS,
  CONFIG,
  KUBE_CONFIG,
  LOGGER,
  METRICS,
  MODEL_ORM,
  WEBHOOK_SENDER,
} from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import { AlertTargets } from './alert-targets.js';
import { WebhookSender } from './webhook-sender.js';

/**
 * Alert webhooks: targets per namespace (Secret xero-access-alerts) or global
 * (ALERT_WEBHOOK_URL / ALERT_WEBHOOK_SECRET), and the sender working through the delivery log.
 */
@Global()
@Module({
  providers: [
    {
      provide: ALERT_TARGETS,
      inject: [CONFIG, KUBE_CONFIG],
      useFactory: (config: ReconcilerConfig, kc: KubeConfig) =>
        new AlertTargets(
          kc.makeApiClient(CoreV1Api),
          config.webhook ? { url: config.webhook.url, secret: config.webhook.secret! } : undefined,
        ),
    },
    {
      provide: WEBHOOK_SENDER,
      inject: [CONFIG, MODEL_ORM, LOGGER, METRICS, ALERT_TARGETS],
      useFactory: (
        config: ReconcilerConfig,
        orm: ModelOrm,
        logger: Logger,
        metrics: ReconcilerMetrics,
        targets: AlertTargets,
      ) =>
        new WebhookSender({
          db: orm.db,
          database: reconcilerDatabase(config.databaseUrl),
          secretFor: (delivery) => {
            const connection = delivery.payload.connection as { namespace?: string } | undefined;
            return targets.secretFor(connection?.namespace, delivery.target);
          },
          logger: logger.child({ component: 'alerts' }),
          onAttempt: (result) => metrics.webhookDeliveries.inc({ result }),
        }),
    },
  ],
  exports: [ALERT_TARGETS, WEBHOOK_SENDER],
})
export class AlertsModule {}
