import { type Redis } from 'ioredis';
import { XeroAccountingClient } from './api/accounting-client.js';
import { type XeroAppCredentials, type XeroEndpoints } from './config.js';
import { type RetryPolicy } from './http/backoff.js';
import { Transport, type XeroCallEvent } from './http/transport.js';
import { limiterKeyPrefix, type LimiterTuning, type XeroLimits } from './limiter/config.js';
import { XeroRateLimiter } from './limiter/xero-rate-limiter.js';
import { silentLogger, type XeroLogger } from './logger.js';
import { XeroIdentityClient } from './oauth/identity-client.js';
import { RefreshCoordinator } from './refresh/refresh-coordinator.js';
import { refreshKeyPrefix } from './refresh/refresh-keys.js';

export interface XeroClientOptions {
  credentials: XeroAppCredentials;
  /** Defaults to Xero's; point at the sandbox in tests and demos. */
  endpoints?: Partial<XeroEndpoints>;
  /** Shared state for rate limits and refresh locks (see createLimiterRedis). */
  redis: Redis;
  /** Every process with the same prefix shares limits and refresh locks. */
  keyPrefix?: string;
  limits?: Partial<XeroLimits>;
  limiterTuning?: Partial<LimiterTuning>;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  logger?: XeroLogger;
  /**
   * Told of every answer Xero gives this app's calls, identity and API, with its outcome: the
   * status, and for a 429 to an API call `rateLimited` (which limit, Retry-After). For metrics;
   * must not throw.
   */
  onCall?: (event: XeroCallEvent) => void;
}

export interface XeroClient {
  identity: XeroIdentityClient;
  accounting: XeroAccountingClient;
  refresher: RefreshCoordinator;
  limiter: XeroRateLimiter;
}

/** Wires identity, accounting, the shared limiter and the refresh coordinator for one Xero app. */
export function createXeroClient(options: XeroClientOptions): XeroClient {
  const logger = options.logger ?? silentLogger;
  const prefix = options.keyPrefix ?? 'xero';
  const limiter = new XeroRateLimiter({
    redis: options.redis,
    keyPrefix: limiterKeyPrefix(prefix),
    limits: options.limits,
    tuning: options.limiterTuning,
    logger,
  });
  const common = {
    timeoutMs: options.timeoutMs,
    retry: options.retry,
    logger,
    onCall: options.onCall,
  };
  const apiTransport = new Transport({ ...common, limiter });
  // The same limiter: token requests are charged to the extra caps (see CallScope.extraCapsOnly).
  const identityTransport = new Transport({ ...common, limiter });
  const identity = new XeroIdentityClient(
    options.credentials,
    identityTransport,
    options.endpoints,
  );
  const accounting = new XeroAccountingClient(
    options.credentials.clientId,
    apiTransport,
    options.endpoints,
  );
  const refresher = new RefreshCoordinator({
    redis: options.redis,
    identity,
    sealingSecret: options.credentials.clientSecret,
    keyPrefix: refreshKeyPrefix(prefix),
    logger,
  });
  return { identity, accounting, refresher, limiter };
}
