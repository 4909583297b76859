import { randomBytes } from 'node:crypto';
import { type Sandbox } from '@xero-access/xero-sandbox';
import { type Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createXeroClient, type XeroClient } from '../client.js';
import { isXeroError } from '../errors.js';
import { type XeroTokenSet } from '../oauth/schemas.js';
import { createLimiterRedis } from '../redis.js';
import { refreshKeyPrefix, refreshLockKey } from './refresh-keys.js';
import { appOf, endpointsOf, grantOf, startTestSandbox } from '../test/sandbox-fixture.js';

const redisUrl = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanups: (() => unknown)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** Two "replicas": separate Redis connections and coordinators, one shared key prefix. */
async function replicas(): Promise<{
  sandbox: Sandbox;
  a: XeroClient;
  b: XeroClient;
  redis: Redis;
  keyPrefix: string;
}> {
  const sandbox = await startTestSandbox(1, { accessTokenTtlMs: 600_000 });
  const keyPrefix = `refresh-${randomBytes(4).toString('hex')}`;
  const make = () => {
    const redis = createLimiterRedis(redisUrl, { commandTimeoutMs: 10_000 });
    cleanups.push(() => redis.disconnect());
    return {
      redis,
      client: createXeroClient({
        credentials: appOf(sandbox),
        endpoints: endpointsOf(sandbox),
        redis,
        keyPrefix,
      }),
    };
  };
  const [a, b] = [make(), make()];
  cleanups.push(() => sandbox.close());
  await Promise.all(
    [a, b].map(({ redis }) =>
      redis.status === 'ready' ? undefined : new Promise((r) => redis.once('ready', r)),
    ),
  );
  return { sandbox, a: a.client, b: b.client, redis: a.redis, keyPrefix };
}

describe('RefreshCoordinator', () => {
  let world: Awaited<ReturnType<typeof replicas>>;

  beforeEach(async () => {
    world = await replicas();
  });

  it('shares a definite failure (invalid_grant) instead of spending the token again', async () => {
    const { sandbox, a, b } = world;
    sandbox.revokeGrant(grantOf(sandbox).grantId);
    sandbox.setFaults({ target: 'identity', latencyMs: 200 });
    sandbox.resetStats();
    const request = {
      connectionKey: 'ns/revoked',
      refreshToken: grantOf(sandbox).refreshToken,
      persist: async () => undefined,
    };
    const outcomes = await Promise.allSettled([
      a.refresher.refresh(request),
      b.refresher.refresh(request),
      b.refresher.refresh(request),
    ]);
    expect(
      outcomes.every(
        (o) => o.status === 'rejected' && isXeroError(o.reason, 'ReauthorizationRequired'),
      ),
    ).toBe(true);
    expect(sandbox.stats().tokenCalls.refresh_token).toBe(1);
  });

  it('hands out nothing until persist succeeds; a retry gets the same set through the grace period', async () => {
    const { sandbox, a, b } = world;
    const refreshToken = grantOf(sandbox).refreshToken;
    const failing = {
      connectionKey: 'ns/persist',
      refreshToken,
      persist: async () => {
        throw new Error('Secret write refused');
      },
    };
    await expect(a.refresher.refresh(failing)).rejects.toThrow('Secret write refused');
    // Nothing was published: the other replica refreshes itself and Xero's grace period answers
    // the already-spent token with the same new set.
    let persisted: XeroTokenSet | undefined;
    const tokens = await b.refresher.refresh({
      ...failing,
      persist: async (t) => void (persisted = t),
    });
    expect(persisted).toEqual(tokens);
    expect(sandbox.stats().refreshGraceReplays).toBe(1);
    expect(sandbox.stats().refreshRotations).toBe(1);
  });

  // Test helpers (dropRefreshLocks of @xero-access/testing) find the locks by these builders.
  it('holds the lock refreshLockKey names while it refreshes, and releases it', async () => {
    const { sandbox, a, redis, keyPrefix } = world;
    const lockKey = refreshLockKey(refreshKeyPrefix(keyPrefix), 'ns/locked');
    let heldDuringPersist: string | null = null;
    await a.refresher.refresh({
      connectionKey: 'ns/locked',
      refreshToken: grantOf(sandbox).refreshToken,
      persist: async () => {
        heldDuringPersist = await redis.get(lockKey);
      },
    });
    expect(heldDuringPersist).not.toBeNull();
    expect(await redis.keys(refreshLockKey(refreshKeyPrefix(keyPrefix), '*'))).toEqual([]);
  });

  it('keeps the published result sealed in Redis', async () => {
    const { sandbox, a, redis, keyPrefix } = world;
    const tokens = await a.refresher.refresh({
      connectionKey: 'ns/sealed',
      refreshToken: grantOf(sandbox).refreshToken,
      persist: async () => undefined,
    });
    const keys = await redis.keys(`${keyPrefix}:refresh:ns/sealed:result:*`);
    expect(keys).toHaveLength(1);
    const stored = (await redis.get(keys[0]!))!;
    expect(stored).not.toContain(tokens.accessToken);
    expect(stored).not.toContain(tokens.refreshToken!);
  });
});
