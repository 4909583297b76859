import { Redis } from 'ioredis';

/**
 * An ioredis client tuned for the limiter: commands fail fast while Redis is away (no offline
 * queue, short timeout) so the in-memory fallback takes over at once; ioredis keeps reconnecting
 * and the shared limits apply again as soon as it is back.
 */
export function createLimiterRedis(
  url = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379',
  options: { commandTimeoutMs?: number } = {},
): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(1_000, 50 * times),
  });
  // Connection errors are expected during an outage; the limiter logs the state change once.
  redis.on('error', () => undefined);
  return redis;
}
