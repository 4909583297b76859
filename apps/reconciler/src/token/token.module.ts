import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createLimiterRedis } from '@xero-access/xero-client';
import type { Redis } from 'ioredis';
import {
  CONFIG,
  KUBE_CONFIG,
  LOGGER,
  METRICS,
  REDIS,
  TOKEN_MANAGER,
  XERO_CLIENTS,
} from '../app/tokens.js';
import type { ReconcilerConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import { XeroClients } from '../xero/xero-clients.js';
import { TokenManager } from './token-manager.js';

/** Xero clients (one per app, sharing Redis limits and refresh locks) and the token manager. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [CONFIG],
      useFactory: (config: ReconcilerConfig) => createLimiterRedis(config.redisUrl),
    },
    {
      provide: XERO_CLIENTS,
      inject: [CONFIG, REDIS, LOGGER, METRICS],
      useFactory: (
        config: ReconcilerConfig,
        redis: Redis,
        logger: Logger,
        metrics: ReconcilerMetrics,
      ) =>
        new XeroClients({
          redis,
          keyPrefix: config.redisKeyPrefix,
          endpoints: config.xeroEndpoints,
          limits: config.xeroLimits,
          refreshLockTtlMs: config.refreshLockTtlMs,
          logger: logger.child({ component: 'xero' }),
          onCall: ({ operation, statusCode, rateLimited }) => {
            metrics.xeroCalls.inc({ operation, status: String(statusCode) });
            if (rateLimited) metrics.xeroRateLimited.inc({ limit: rateLimited.limit });
          },
        }),
    },
    {
      provide: TOKEN_MANAGER,
      inject: [CONFIG, KUBE_CONFIG, LOGGER, METRICS],
      useFactory: (
        config: ReconcilerConfig,
        kc: KubeConfig,
        logger: Logger,
        metrics: ReconcilerMetrics,
      ) =>
        new TokenManager({
          core: kc.makeApiClient(CoreV1Api),
          refreshAheadMs: config.tokenRefreshAheadMs,
          logger: logger.child({ component: 'token' }),
          onRefresh: (outcome) => metrics.tokenRefreshes.inc({ outcome }),
        }),
    },
  ],
  exports: [REDIS, XERO_CLIENTS, TOKEN_MANAGER],
})
export class TokenModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
