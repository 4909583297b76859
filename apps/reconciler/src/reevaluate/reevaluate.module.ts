import type { KubeConfig } from '@kubernetes/client-node';
import {
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CONFIG, KUBE_CONFIG, LOGGER, REDIS } from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import { XeroConnectionApi } from '../kube/xero-connection-api.js';
import type { Logger } from '../logging/logger.js';
import { SYNC_REQUESTED_ANNOTATION } from '../reconcile/requested-sync.js';
import { ReevaluationListener } from './reevaluation-listener.js';

const LISTENER = Symbol('ReevaluationListener');

/**
 * Staff and link changes made through the admin API re-run the affected connections' checks now:
 * each request becomes a sync request on the XeroConnection, which every replica's watch sees and
 * the leader reconciles (fresh users, then evaluation against the changed directory).
 */
@Module({
  providers: [
    {
      provide: LISTENER,
      inject: [CONFIG, KUBE_CONFIG, REDIS, LOGGER],
      useFactory: (config: ReconcilerConfig, kc: KubeConfig, redis: Redis, logger: Logger) => {
        const api = new XeroConnectionApi(kc);
        return new ReevaluationListener({
          redis,
          keyPrefix: config.redisKeyPrefix,
          logger: logger.child({ component: 'reevaluate' }),
          // This replica's clock, maybe behind the leader's: only a value the last sync did not
          // handle counts (reconcile/requested-sync.ts), never the time it names.
          reevaluate: (namespace, name, signal) =>
            api.annotate(
              namespace,
              name,
              SYNC_REQUESTED_ANNOTATION,
              new Date().toISOString(),
              signal,
            ),
        });
      },
    },
  ],
})
export class ReevaluateModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(LISTENER) private readonly listener: ReevaluationListener,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: Redis being away must not hold up the operator. The listener drains on its
    // timer from now on and subscribes once Redis answers.
    this.listener
      .start()
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 're-evaluation listener failed to start'),
      );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
  }
}
