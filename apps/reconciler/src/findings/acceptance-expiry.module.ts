import type { KubeConfig } from '@kubernetes/client-node';
import { Module } from '@nestjs/common';
import type { ModelOrm } from '@xero-access/model';
import type { AlertTargets } from '../alerts/alert-targets.js';
import type { WebhookSender } from '../alerts/webhook-sender.js';
import {
  ALERT_TARGETS,
  CONFIG,
  EVENT_RECORDER,
  KUBE_CONFIG,
  LOGGER,
  MODEL_ORM,
  OPERATOR,
  WEBHOOK_SENDER,
} from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import { watchesNamespace } from '../config/watches-namespace.js';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { XeroConnectionApi } from '../kube/xero-connection-api.js';
import { leaderInterval } from '../leader/leader-interval.js';
import type { Logger } from '../logging/logger.js';
import type { Operator } from '../operator/operator.js';
import { ReconcileModule } from '../reconcile/reconcile.module.js';
import { WatchModule } from '../watch/watch.module.js';
import { AcceptanceExpiry } from './acceptance-expiry.js';

export const ACCEPTANCE_EXPIRY = Symbol('AcceptanceExpiry');

/** The leader ends lapsed accepted risks every ACCEPTANCE_EXPIRY_INTERVAL (default 1m). */
@Module({
  imports: [WatchModule, ReconcileModule],
  providers: [
    {
      provide: ACCEPTANCE_EXPIRY,
      inject: [
        CONFIG,
        KUBE_CONFIG,
        LOGGER,
        MODEL_ORM,
        OPERATOR,
        EVENT_RECORDER,
        ALERT_TARGETS,
        WEBHOOK_SENDER,
      ],
      useFactory: (
        config: ReconcilerConfig,
        kc: KubeConfig,
        logger: Logger,
        orm: ModelOrm,
        operator: Operator,
        events: EventRecorder,
        targets: AlertTargets,
        sender: WebhookSender,
      ) =>
        new AcceptanceExpiry({
          db: orm.db,
          database: reconcilerDatabase(config.databaseUrl),
          leadership: () => operator.leadership,
          watches: watchesNamespace(config),
          reconcileSoon: (key) => operator.enqueue(key),
          alerts: { targets, sender },
          events,
          api: new XeroConnectionApi(kc),
          logger: logger.child({ component: 'acceptance-expiry' }),
        }),
    },
    leaderInterval({
      name: 'acceptance-expiry',
      sweep: ACCEPTANCE_EXPIRY,
      everyMs: (config) => config.acceptanceExpiryIntervalMs,
    }),
  ],
  exports: [ACCEPTANCE_EXPIRY],
})
export class AcceptanceExpiryModule {}
