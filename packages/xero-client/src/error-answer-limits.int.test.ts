import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createXeroClient } from './client.js';
import { createLimiterRedis } from './redis.js';
import { appOf, endpointsOf, grantOf, startTestSandbox } from './test/sandbox-fixture.js';

const redisUrl = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe('limit headers on error answers (401, 403: the budgets as they stand)', () => {
  it('are read like any answer: the same errors, no calls recorded that Xero did not count, no 429', async () => {
    const limits = { tenantPerMinute: 4, minuteWindowMs: 6_000 };
    const sandbox = await startTestSandbox(1, { limits });
    const redis = createLimiterRedis(redisUrl);
    cleanups.push(
      () => sandbox.close(),
      () => redis.disconnect(),
    );
    const client = createXeroClient({
      credentials: appOf(sandbox),
      endpoints: endpointsOf(sandbox),
      redis,
      keyPrefix: `error-limits-${randomBytes(4).toString('hex')}`,
      limits,
    });
    const { accessToken } = await client.identity.refresh(grantOf(sandbox).refreshToken);
    const tenantId = grantOf(sandbox).tenantIds[0]!;

    sandbox.setFaults({ unauthorized: true });
    for (let i = 0; i < 2; i += 1) {
      await expect(client.accounting.getUsers(accessToken, tenantId)).rejects.toMatchObject({
        reason: 'Unauthorized',
      });
    }
    sandbox.clearFaults();
    await expect(
      client.accounting.getOrganisation(accessToken, '0c000000-0000-4000-8000-000000000001'),
    ).rejects.toMatchObject({ reason: 'TenantDisconnected' });

    // The client counted its two refused calls itself (4 per window: 2 left). Had an error answer
    // reported less than Xero's real budget, it would have recorded calls nobody made, and these
    // would wait for the 6 s window. The first calls may come before the limiter's Redis connection
    // is ready: the in-memory share (2) then refuses the third with its drain time, half the window,
    // and the queue must ask Redis again once it is ready. A third of the window is the bound.
    const started = Date.now();
    for (let i = 0; i < 2; i += 1)
      expect(await client.accounting.getUsers(accessToken, tenantId)).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(Object.values(sandbox.stats().rateLimited).every((n) => n === 0)).toBe(true);
  });
});
