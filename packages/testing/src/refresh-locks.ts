import { Redis } from 'ioredis';

/**
 * Deletes the token refresh locks a reconciler killed mid-refresh left behind: what their expiry
 * after REFRESH_LOCK_TTL (at least 20 s) does, without a kill loop waiting that long per kill.
 * `lockPattern` is `refreshLockKey(refreshKeyPrefix(REDIS_KEY_PREFIX), '*')` of
 * @xero-access/xero-client, which builds the keys (this package cannot depend on it: its tests
 * depend on this one). Returns how many it deleted.
 */
export async function dropRefreshLocks(redisUrl: string, lockPattern: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: lockPattern }))
      keys.push(...(batch as string[]));
    return keys.length > 0 ? await redis.del(...keys) : 0;
  } finally {
    redis.disconnect();
  }
}
