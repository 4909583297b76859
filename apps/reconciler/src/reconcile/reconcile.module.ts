import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { Module } from '@nestjs/common';
import type { ModelOrm } from '@xero-access/model';
import type { AlertTargets } from '../alerts/alert-targets.js';
import type { WebhookSender } from '../alerts/webhook-sender.js';
import {
  ALERT_TARGETS,
  CONFIG,
  CONNECTION_RECONCILER,
  EVENT_RECORDER,
  KUBE_CONFIG,
  LOGGER,
  METRICS,
  MODEL_ORM,
  POLICY_EVALUATOR,
  TOKEN_MANAGER,
  WEBHOOK_SENDER,
  XERO_CLIENTS,
} from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import type { PolicyEvaluator } from '../evaluate/policy-evaluator.js';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { EventRecorder } from '../events/event-recorder.js';
import { XeroConnectionApi } from '../kube/xero-connection-api.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import type { TokenManager } from '../token/token-manager.js';
import type { XeroClients } from '../xero/xero-clients.js';
import { ConnectionReconciler } from './connection-reconciler.js';

/** The reconcile step: tokens → sync → snapshot → evaluate → findings → status and Events. */
@Module({
  providers: [
    {
      provide: EVENT_RECORDER,
      inject: [CONFIG, KUBE_CONFIG, LOGGER],
      useFactory: (config: ReconcilerConfig, kc: KubeConfig, logger: Logger) =>
        new EventRecorder(kc, config.identity, logger),
    },
    {
      provide: CONNECTION_RECONCILER,
      inject: [
        CONFIG,
        KUBE_CONFIG,
        LOGGER,
        METRICS,
        MODEL_ORM,
        XERO_CLIENTS,
        TOKEN_MANAGER,
        POLICY_EVALUATOR,
        EVENT_RECORDER,
        WEBHOOK_SENDER,
        ALERT_TARGETS,
      ],
      useFactory: (
        config: ReconcilerConfig,
        kc: KubeConfig,
        logger: Logger,
        metrics: ReconcilerMetrics,
        orm: ModelOrm,
        clients: XeroClients,
        tokens: TokenManager,
        evaluator: PolicyEvaluator,
        events: EventRecorder,
        sender: WebhookSender,
        targets: AlertTargets,
      ) =>
        new ConnectionReconciler({
          api: new XeroConnectionApi(kc),
          core: kc.makeApiClient(CoreV1Api),
          db: orm.db,
          clients,
          tokens,
          evaluator,
          events,
          metrics,
          logger: logger.child({ component: 'reconcile' }),
          alerts: { targets, sender },
          settings: {
            database: reconcilerDatabase(config.databaseUrl),
            syncJitter: config.syncJitter,
            offboardingGraceHours: config.offboardingGraceHours,
            syncTimeoutMs: config.syncTimeoutMs,
            requestedSyncGapMs: config.requestedSyncGapMs,
          },
        }),
    },
  ],
  exports: [CONNECTION_RECONCILER, EVENT_RECORDER],
})
export class ReconcileModule {}
