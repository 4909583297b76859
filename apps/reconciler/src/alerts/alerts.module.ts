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
 * Alert webhooks: the global target (ALERT_WEBHOOK_URL / ALERT_WEBHOOK_SECRET) and one per
 * namespace (Secret xero-access-alerts, unless ALERT_NAMESPACE_TARGETS=false), and the sender
 * working through the delivery log.
 */
@Global()
@Module({
  providers: [
    {
      provide: ALERT_TARGETS,
      inject: [CONFIG, KUBE_CONFIG, METRICS],
      useFactory: (config: ReconcilerConfig, kc: KubeConfig, metrics: ReconcilerMetrics) =>
        new AlertTargets(kc.makeApiClient(CoreV1Api), {
          ...(config.webhook
            ? { global: { url: config.webhook.url, secret: config.webhook.secret! } }
            : {}),
          namespaceTargets: config.alerts.namespaceTargets,
          allowedHosts: config.alerts.allowedHosts,
          payloadDetail: config.alerts.payloadDetail,
          onChecked: (namespace, problem) => metrics.setAlertTargetInvalid(namespace, !!problem),
        }),
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
          endpointFor: (delivery) => {
            const connection = delivery.payload.connection as { namespace?: string } | undefined;
            return targets.endpointFor(connection?.namespace, delivery.target);
          },
          logger: logger.child({ component: 'alerts' }),
          onAttempt: (result) => metrics.webhookDeliveries.inc({ result }),
        }),
    },
  ],
  exports: [ALERT_TARGETS, WEBHOOK_SENDER],
})
export class AlertsModule {}
