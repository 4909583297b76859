import type { KubeConfig } from '@kubernetes/client-node';
import {
  Inject,
  Module,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import type { WebhookSender } from '../alerts/webhook-sender.js';
import {
  CONFIG,
  CONNECTION_RECONCILER,
  EVENT_RECORDER,
  KUBE_CONFIG,
  LOGGER,
  METRICS,
  OPERATOR,
  WEBHOOK_SENDER,
} from '../app/tokens.js';
import { createClaimGate } from '../claim/claim-gate.js';
import type { ReconcilerConfig } from '../config/config.js';
import type { EventRecorder } from '../events/event-recorder.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import { Operator } from '../operator/operator.js';
import type { ConnectionReconciler } from '../reconcile/connection-reconciler.js';
import { ReconcileModule } from '../reconcile/reconcile.module.js';

/** Leader election, the XeroConnection watch, the work queue and its workers. */
@Module({
  imports: [ReconcileModule],
  providers: [
    {
      provide: OPERATOR,
      inject: [
        CONFIG,
        KUBE_CONFIG,
        LOGGER,
        METRICS,
        CONNECTION_RECONCILER,
        WEBHOOK_SENDER,
        EVENT_RECORDER,
      ],
      useFactory: (
        config: ReconcilerConfig,
        kc: KubeConfig,
        logger: Logger,
        metrics: ReconcilerMetrics,
        reconciler: ConnectionReconciler,
        sender: WebhookSender,
        events: EventRecorder,
      ) =>
        new Operator({
          kubeConfig: kc,
          reconciler,
          metrics,
          logger: logger.child({ component: 'operator' }),
          identity: config.identity,
          namespaces: config.watchNamespaces,
          workers: config.workers,
          resyncMs: config.resyncMs,
          shutdownDrainMs: config.shutdownDrainMs,
          shutdownGracePeriodMs: config.shutdownGracePeriodMs,
          leaderElection: config.leaderElection,
          webhookSender: sender,
          claimGate: () =>
            createClaimGate({
              kubeConfig: kc,
              settings: config.claims,
              events,
              metrics,
              logger: logger.child({ component: 'claim' }),
            }),
        }),
    },
  ],
  exports: [OPERATOR],
})
export class WatchModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(OPERATOR) private readonly operator: Operator,
    @Inject(METRICS) private readonly metrics: ReconcilerMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.operator.start();
  }

  /** SIGTERM: stop taking work, drain in-flight reconciles, release the Lease. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.operator.stop();
  }

  @Interval(2_000)
  sampleQueue(): void {
    this.metrics.queueDepth.set(this.operator.queueDepth);
    this.metrics.queueInFlight.set(this.operator.inFlight);
  }
}
