import { Redis } from 'ioredis';

/**
 * Deletes the token refresh locks a reconciler killed mid-refresh left behind (the xero-client
 * RefreshCoordinator's `<REDIS_KEY_PREFIX>:refresh:<namespace>/<name>:lock`): what their expiry
 * after REFRESH_LOCK_TTL (at least 20 s) does, without a kill loop waiting that long per kill.
 * Returns how many there were.
 */
export async function dropRefreshLocks(redisUrl: string, keyPrefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${keyPrefix}:refresh:*:lock` }))
      keys.push(...(batch as string[]));
    return keys.length > 0 ? await redis.del(...keys) : 0;
  } finally {
    redis.disconnect();
  }
}
