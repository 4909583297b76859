import { randomBytes } from 'node:crypto';
import { type Sandbox } from '@xero-access/xero-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createXeroClient } from './client.js';
import { createLimiterRedis } from './redis.js';
import { type LoadJob, type LoadResult, type RefreshResult } from './test/driver-protocol.js';
import { runDrivers } from './test/drivers.js';
import { appOf, endpointsOf, grantOf, startTestSandbox } from './test/sandbox-fixture.js';

const redisUrl = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Compressed time: a "minute" of 2 s. Four organisations; the app limit (100) binds before 4 × 60. */
const limits = {
  tenantConcurrent: 5,
  tenantPerMinute: 60,
  tenantPerDay: 5_000,
  appPerMinute: 100,
  minuteWindowMs: 2_000,
  dayWindowMs: 600_000,
};

describe('two client processes sharing one Redis', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startTestSandbox(4, { limits, accessTokenTtlMs: 600_000 });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('offered 3x the allowed rate: zero 429s, no limit exceeded, the budget used', async () => {
    const redis = createLimiterRedis(redisUrl);
    const client = createXeroClient({
      credentials: appOf(sandbox),
      endpoints: endpointsOf(sandbox),
      redis,
    });
    const tokens = await client.identity.refresh(grantOf(sandbox).refreshToken);
    redis.disconnect();

    const windows = 3;
    const durationMs = windows * limits.minuteWindowMs;
    const allowedPerSecond = (limits.appPerMinute / limits.minuteWindowMs) * 1000;
    const job: LoadJob = {
      kind: 'load',
      mode: 'shared',
      endpoints: endpointsOf(sandbox),
      credentials: appOf(sandbox),
      accessToken: tokens.accessToken,
      tenantIds: grantOf(sandbox).tenantIds,
      redisUrl,
      keyPrefix: `mp-${randomBytes(4).toString('hex')}`,
      limits,
      offeredPerSecond: (3 * allowedPerSecond) / 2,
      durationMs,
    };
    sandbox.resetStats();
    const results = await runDrivers<LoadResult>([job, job]);
    const stats = sandbox.stats();

    expect(stats.rateLimited).toEqual({ minute: 0, day: 0, appminute: 0, concurrent: 0 });
    expect(results.map((r) => r.rateLimited)).toEqual([0, 0]);
    expect(results.map((r) => r.failures)).toEqual([{}, {}]);
    expect(stats.maxInFlightObserved).toBeLessThanOrEqual(limits.tenantConcurrent);
    const accepted = stats.callsPerApp[appOf(sandbox).clientId] ?? 0;
    const succeeded = results[0]!.succeeded + results[1]!.succeeded;
    expect(succeeded).toBe(accepted);
    // At most the app's budget for the windows the run spans (rolling windows).
    expect(accepted).toBeLessThanOrEqual(limits.appPerMinute * windows);
    // Most of the budget is used, and the surplus waited instead of failing.
    expect(accepted).toBeGreaterThanOrEqual(limits.appPerMinute * windows * 0.85);
    expect(results[0]!.abandoned + results[1]!.abandoned).toBeGreaterThan(0);
    for (const tenantId of grantOf(sandbox).tenantIds) {
      expect(stats.callsPerTenant[tenantId] ?? 0).toBeLessThanOrEqual(
        limits.tenantPerMinute * windows,
      );
    }
  });

  it('10 concurrent refreshes of one connection from 2 processes spend the refresh token once', async () => {
    // Start from a refresh token nobody has spent (the seed's may have been used above).
    const redis = createLimiterRedis(redisUrl);
    const client = createXeroClient({
      credentials: appOf(sandbox),
      endpoints: endpointsOf(sandbox),
      redis,
    });
    const refreshToken = (await client.identity.refresh(grantOf(sandbox).refreshToken))
      .refreshToken!;
    redis.disconnect();
    // The token endpoint takes a while, so the second process asks while the first one refreshes.
    sandbox.setFaults({ target: 'identity', latencyMs: 300 });
    sandbox.resetStats();
    const job = {
      kind: 'refresh' as const,
      endpoints: endpointsOf(sandbox),
      credentials: appOf(sandbox),
      refreshToken,
      redisUrl,
      keyPrefix: `refresh-${randomBytes(4).toString('hex')}`,
      connectionKey: 'finance/acme',
      callers: 5,
    };
    try {
      const results = await runDrivers<RefreshResult>([job, job]);
      const stats = sandbox.stats();
      expect(stats.tokenCalls.refresh_token).toBe(1);
      expect(stats.refreshRotations).toBe(1);
      expect(results.flatMap((r) => r.failures)).toEqual([]);
      const accessTokens = results.flatMap((r) => r.accessTokens);
      expect(accessTokens).toHaveLength(10);
      expect(new Set(accessTokens).size).toBe(1);
      expect(new Set(results.flatMap((r) => r.refreshTokens)).size).toBe(1);
      expect(results.flatMap((r) => r.refreshTokens)[0]).not.toBe(refreshToken);
      // Exactly one process persisted the rotated token, before anyone received it.
      expect(results[0]!.persisted + results[1]!.persisted).toBe(1);
    } finally {
      sandbox.clearFaults();
    }
  });
});
