import { randomBytes } from 'node:crypto';
import { type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isXeroError } from '../errors.js';
import { createLimiterRedis } from '../redis.js';
import { PrivateRedis } from '../test/redis-server.js';
import { type XeroLimits } from './config.js';
import { XeroRateLimiter } from './xero-rate-limiter.js';

const redisUrl = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: Redis[] = [];

function connect(url = redisUrl): Redis {
  // A generous timeout: a busy test machine must not turn a slow reply into the outage fallback.
  const client = createLimiterRedis(url, { commandTimeoutMs: 10_000 });
  clients.push(client);
  return client;
}

async function ready(client: Redis): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
}

/** Two limiters on two connections sharing one prefix behave like two processes. */
async function pair(limits: Partial<XeroLimits>, tuning = {}) {
  const keyPrefix = `test-${randomBytes(4).toString('hex')}`;
  const [a, b] = [connect(), connect()];
  await Promise.all([ready(a), ready(b)]);
  const make = (redis: Redis) =>
    new XeroRateLimiter({
      redis,
      keyPrefix,
      limits,
      tuning: { safetyMarginMinMs: 20, safetyMarginRatio: 0.02, ...tuning },
    });
  return [make(a), make(b)] as const;
}

/** Largest number of timestamps inside any interval of windowMs. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((x, y) => x - y);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

afterAll(() => {
  for (const client of clients) client.disconnect();
});

describe('XeroRateLimiter (shared through Redis)', () => {
  it('never grants more than the per-minute limit in any sliding window, across two processes', async () => {
    const [a, b] = await pair({ tenantPerMinute: 10, minuteWindowMs: 1_000 });
    const granted: number[] = [];
    const call = async (limiter: XeroRateLimiter) => {
      const permit = await limiter.acquire({ appId: 'app', tenantId: 't1' });
      granted.push(Date.now());
      permit.release();
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => call(i % 2 ? a : b)));
    expect(maxInWindow(granted, 1_000)).toBeLessThanOrEqual(10);
    // 30 calls at 10 per (1 s + margin) take a bit more than 2 windows, not much more.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - started).toBeLessThan(2_600);
  });

  it('keeps at most tenantConcurrent calls in flight across processes', async () => {
    const [a, b] = await pair({ tenantConcurrent: 3 });
    let inFlight = 0;
    let peak = 0;
    const call = async (limiter: XeroRateLimiter) => {
      const permit = await limiter.acquire({ appId: 'app', tenantId: 't1' });
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      permit.release();
    };
    await Promise.all(Array.from({ length: 24 }, (_, i) => call(i % 2 ? a : b)));
    expect(peak).toBe(3);
  });

  it('applies the per-app minute and extra caps across tenants', async () => {
    const [a, b] = await pair({
      appPerMinute: 1_000,
      minuteWindowMs: 1_000,
      extraCaps: [{ id: 'provider', points: 8, windowMs: 1_000 }],
    });
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const permit = await (i % 2 ? a : b).acquire({ appId: 'app', tenantId: `tenant-${i}` });
        granted.push(Date.now());
        permit.release();
      }),
    );
    expect(maxInWindow(granted, 1_000)).toBeLessThanOrEqual(8);
  });

  it('pauses every process after a 429 until Retry-After', async () => {
    const [a, b] = await pair({});
    await a.pause({ appId: 'app', tenantId: 't1' }, 'minute', 400);
    const started = Date.now();
    const permit = await b.acquire({ appId: 'app', tenantId: 't1' });
    permit.release();
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    // Another tenant of the same app is not paused...
    const other = Date.now();
    (await b.acquire({ appId: 'app', tenantId: 't2' })).release();
    expect(Date.now() - other).toBeLessThan(100);
    // ...unless the problem was the app's minute limit.
    await a.pause({ appId: 'app', tenantId: 't2' }, 'appminute', 300);
    const third = Date.now();
    (await b.acquire({ appId: 'app', tenantId: 't3' })).release();
    expect(Date.now() - third).toBeGreaterThanOrEqual(250);
  });

  it('records budget another app spent, from X-MinLimit-Remaining', async () => {
    const [a, b] = await pair({ tenantPerMinute: 10, minuteWindowMs: 800 });
    const permit = await a.acquire({ appId: 'app', tenantId: 't1' });
    permit.release();
    // Xero says only 1 call is left: somebody else made 8 more.
    await a.settle({ appId: 'app', tenantId: 't1' }, permit, { minute: 1 });
    (await b.acquire({ appId: 'app', tenantId: 't1' })).release();
    const started = Date.now();
    (await b.acquire({ appId: 'app', tenantId: 't1' })).release();
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });

  it('dates a call from its answer, however long it took to leave or to arrive', async () => {
    const [a] = await pair({ tenantPerMinute: 2, minuteWindowMs: 1_000 });
    const started = Date.now();
    const scope = { appId: 'app', tenantId: 't1' };
    const first = await a.acquire(scope);
    const second = await a.acquire(scope);
    // Both calls are answered 600 ms later (slow network, busy event loop, ...).
    await new Promise((r) => setTimeout(r, 600));
    for (const permit of [first, second]) {
      permit.release();
      await a.settle(scope, permit);
    }
    (await a.acquire(scope)).release();
    // Not at 1 s after the grant, but a window after the answers.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_600);
  });

  it('keeps a call that is still in flight counting past its window', async () => {
    const [a, b] = await pair({ tenantPerMinute: 1, minuteWindowMs: 600 });
    const scope = { appId: 'app', tenantId: 't1' };
    const slow = await a.acquire(scope);
    const stop = a.track(scope, slow);
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 1_500)); // Xero has not answered yet
    stop();
    slow.release();
    await a.settle(scope, slow);
    (await b.acquire(scope)).release();
    // The next call waited for a window after the slow call's answer, not after its grant.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_050);
  });

  it('fails with RateLimited and retryAt when the next slot is beyond maxWaitMs', async () => {
    const [a] = await pair({ tenantPerDay: 2, dayWindowMs: 60_000 }, { maxWaitMs: 500 });
    (await a.acquire({ appId: 'app', tenantId: 't1', operation: 'GET Users' })).release();
    (await a.acquire({ appId: 'app', tenantId: 't1', operation: 'GET Users' })).release();
    const error = await a
      .acquire({ appId: 'app', tenantId: 't1', operation: 'GET Users' })
      .catch((e: unknown) => e);
    expect(isXeroError(error, 'RateLimited')).toBe(true);
    const retryAt = (error as { retryAt: Date }).retryAt.getTime();
    expect(retryAt).toBeGreaterThan(Date.now() + 50_000);
    expect((error as Error).message).toMatch(
      /Xero rate limit reached \(day\) for GET Users: retrying automatically at /,
    );
  });
});

describe('Redis outage fallback', () => {
  let server: PrivateRedis;

  beforeAll(async () => {
    server = await PrivateRedis.start();
  });

  afterAll(async () => {
    await server.down();
  });

  it('uses a bounded in-memory share while Redis is away and the shared budget when it returns', async () => {
    const redis = connect(server.url);
    await ready(redis);
    const limits = { tenantPerMinute: 10, minuteWindowMs: 1_000 };
    const limiter = new XeroRateLimiter({
      redis,
      keyPrefix: 'outage',
      limits,
      tuning: { expectedReplicas: 2, safetyMarginMinMs: 20 },
    });
    const grantsWithin = async (ms: number, attempts: number) => {
      const deadline = Date.now() + ms;
      let granted = 0;
      const signal = AbortSignal.timeout(ms);
      await Promise.all(
        Array.from({ length: attempts }, async () => {
          const permit = await limiter
            .acquire({ appId: 'app', tenantId: 't1' }, signal)
            .catch(() => undefined);
          if (permit && Date.now() < deadline) granted++;
          permit?.release();
        }),
      );
      return granted;
    };

    expect(await grantsWithin(700, 20)).toBe(10);
    await server.down();
    await new Promise((r) => setTimeout(r, 1_200));
    // Redis is away: this process may use its share (10 / 2 replicas) per window, no more.
    expect(redis.status).not.toBe('ready');
    expect(await grantsWithin(700, 20)).toBe(5);
    await server.up();
    await ready(redis);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await grantsWithin(700, 20)).toBe(10);
  });
});
