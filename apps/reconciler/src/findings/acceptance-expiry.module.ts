import type { KubeConfig } from '@kubernetes/client-node';
import {
  Inject,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
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
import { reconcilerDatabase } from '../database/reconciler-database.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { XeroConnectionApi } from '../kube/xero-connection-api.js';
import { registerLeaderInterval, stopLeaderInterval } from '../leader/leader-interval.js';
import type { Logger } from '../logging/logger.js';
import type { Operator } from '../operator/operator.js';
import { ReconcileModule } from '../reconcile/reconcile.module.js';
import { WatchModule } from '../watch/watch.module.js';
import { AcceptanceExpiry } from './acceptance-expiry.js';

export const ACCEPTANCE_EXPIRY = Symbol('AcceptanceExpiry');
const INTERVAL_NAME = 'acceptance-expiry';

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
          watches: (namespace) =>
            config.watchNamespaces.length === 0 || config.watchNamespaces.includes(namespace),
          reconcileSoon: (key) => operator.enqueue(key),
          alerts: { targets, sender },
          events,
          api: new XeroConnectionApi(kc),
          logger: logger.child({ component: 'acceptance-expiry' }),
        }),
    },
  ],
  exports: [ACCEPTANCE_EXPIRY],
})
export class AcceptanceExpiryModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(ACCEPTANCE_EXPIRY) private readonly expiry: AcceptanceExpiry,
    @Inject(SchedulerRegistry) private readonly scheduler: SchedulerRegistry,
    @Inject(CONFIG) private readonly config: ReconcilerConfig,
  ) {}

  onApplicationBootstrap(): void {
    registerLeaderInterval(
      this.scheduler,
      INTERVAL_NAME,
      this.expiry.scheduled,
      this.config.acceptanceExpiryIntervalMs,
    );
  }

  /** No new sweep; the one running stops before its next connection. */
  async beforeApplicationShutdown(): Promise<void> {
    await stopLeaderInterval(this.scheduler, INTERVAL_NAME, this.expiry.scheduled);
  }
}
