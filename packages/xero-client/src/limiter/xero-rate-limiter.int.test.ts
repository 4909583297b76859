import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isXeroError } from '../errors.js';
import { createLimiterRedis } from '../redis.js';
import { type XeroLimits } from './config.js';
import { type RedisLeaseLimiter } from './redis-stores.js';
import { type RemainingHeaders, XeroRateLimiter } from './xero-rate-limiter.js';
import { PrivateRedisServer } from '@xero-access/testing';

const redisUrl = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: Redis[] = [];

function connect(url = redisUrl): Redis {
  // A generous timeout: a busy test machine must not turn a slow reply into the outage fallback.
  const client = createLimiterRedis(url, { commandTimeoutMs: 10_000 });
  clients.push(client);
  return client;
}

/** Polls until `done()`, failing with `what` after timeoutMs rather than at the test's timeout. */
async function waitUntil(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `promise`, or a failure naming `what` after timeoutMs. */
async function within<T>(promise: Promise<T>, what: string, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function ready(client: Redis): Promise<void> {
  await waitUntil(() => client.status === 'ready', `Redis to be ready (status ${client.status})`);
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
    // 30 calls at 10 per (1 s + margin) take a bit more than 2 windows (about 2.05 s), never a
    // third: a limiter that waited a window too long would need 3 windows (over 3 s).
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - started).toBeLessThan(3_000);
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
    const paused = Date.now();
    await a.pause({ appId: 'app', tenantId: 't1', operation: 'GET Users' }, 'minute', 1_000);
    // Another tenant of the same app is not paused (the alternative waits the whole second)...
    const other = Date.now();
    (await b.acquire({ appId: 'app', tenantId: 't2' })).release();
    expect(Date.now() - other).toBeLessThan(500);
    // ...the paused one waits in every process...
    (await b.acquire({ appId: 'app', tenantId: 't1' })).release();
    expect(Date.now() - paused).toBeGreaterThanOrEqual(950);
    // ...and every tenant of the app waits when the problem was the app's minute limit.
    const appPaused = Date.now();
    await a.pause({ appId: 'app', tenantId: 't2' }, 'appminute', 1_000);
    (await b.acquire({ appId: 'app', tenantId: 't3' })).release();
    expect(Date.now() - appPaused).toBeGreaterThanOrEqual(950);
  });

  it('keeps apps apart on a tenant, as Xero does: one app’s pause, windows and slots never hold back another', async () => {
    // A slot further away than maxWaitMs fails at once: a paused or spent scope shows as an error.
    const [a, b] = await pair(
      { tenantPerMinute: 1, tenantConcurrent: 1, minuteWindowMs: 60_000 },
      { maxWaitMs: 1_000 },
    );
    await a.pause({ appId: 'app-a', tenantId: 't1' }, 'minute', 60_000);
    const started = Date.now();
    const held = await b.acquire({ appId: 'app-b', tenantId: 't1' });
    expect(Date.now() - started).toBeLessThan(500);
    // app-b now holds its only slot and its only call this minute: app-c still goes.
    (await b.acquire({ appId: 'app-c', tenantId: 't1' })).release();
    held.release();
    const refused = async (appId: string) => {
      const error = await b.acquire({ appId, tenantId: 't1' }).catch((e: unknown) => e);
      expect(isXeroError(error, 'RateLimited'), `${appId}: ${String(error)}`).toBe(true);
      return (error as { code?: string }).code;
    };
    expect(await refused('app-a')).toBe('paused after 429');
    expect(await refused('app-b')).toBe('minute');
  });

  it.each([
    ['X-MinLimit-Remaining', { tenantPerMinute: 10, minuteWindowMs: 800 }, { minute: 1 }],
    ['X-DayLimit-Remaining', { tenantPerDay: 10, dayWindowMs: 800 }, { day: 1 }],
    ['X-AppMinLimit-Remaining', { appPerMinute: 10, minuteWindowMs: 800 }, { appMinute: 1 }],
  ] as [string, Partial<XeroLimits>, RemainingHeaders][])(
    'records budget spent elsewhere, from %s',
    async (_header, limits, remaining) => {
      const [a, b] = await pair(limits);
      const permit = await a.acquire({ appId: 'app', tenantId: 't1' });
      permit.release();
      // Xero says only 1 call is left: somebody else made 8 more.
      await a.settle({ appId: 'app', tenantId: 't1' }, permit, remaining);
      (await b.acquire({ appId: 'app', tenantId: 't1' })).release();
      const started = Date.now();
      (await b.acquire({ appId: 'app', tenantId: 't1' })).release();
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    },
  );

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

describe('Redis connection lost while a call is in flight', () => {
  it('releases the call’s Redis lease when the connection is back (not after leaseMs)', async () => {
    const redis = connect();
    await ready(redis);
    const limiter = new XeroRateLimiter({
      redis,
      keyPrefix: `test-${randomBytes(4).toString('hex')}`,
      limits: { tenantConcurrent: 1 },
      tuning: { leaseMs: 60_000, maxWaitMs: 3_000 },
    });
    const scope = { appId: 'app', tenantId: 't1' };
    const permit = await limiter.acquire(scope);
    // The call ends while Redis cannot be reached: its release fails.
    redis.disconnect();
    permit.release();
    await new Promise((r) => setTimeout(r, 100));
    await redis.connect();
    await new Promise((r) => setTimeout(r, 100));
    // The only slot is free again in Redis; without the retry it would be taken for 60 s.
    const started = Date.now();
    const next = await limiter.acquire(scope);
    expect(Date.now() - started).toBeLessThan(1_000);
    next.release();
  });

  // One limiter per Xero app: a listener each would pass Node's limit of 10 at the 11th app and
  // keep every limiter ever made alive through the client.
  it('listens once on the client for any number of limiters, and releases the leases of each', async () => {
    const redis = connect();
    await ready(redis);
    const keyPrefix = `test-${randomBytes(4).toString('hex')}`;
    const limiters = Array.from(
      { length: 50 },
      () =>
        new XeroRateLimiter({
          redis,
          keyPrefix,
          limits: { tenantConcurrent: 1 },
          tuning: { leaseMs: 60_000, maxWaitMs: 3_000 },
        }),
    );
    expect(redis.listenerCount('ready')).toBe(1);

    const scopes = [0, 1].map((i) => ({ appId: `app-${i}`, tenantId: 't1' }));
    const permits = await Promise.all(scopes.map((scope, i) => limiters[i]!.acquire(scope)));
    redis.disconnect();
    permits.forEach((permit) => permit.release());
    await new Promise((r) => setTimeout(r, 100));
    await redis.connect();
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const next = await Promise.all(scopes.map((scope, i) => limiters[i]!.acquire(scope)));
    expect(Date.now() - started).toBeLessThan(1_000);
    next.forEach((permit) => permit.release());
  });
});

describe('Redis not ready (process start, reconnect) while callers queue', () => {
  // A process's first calls can come before its Redis connection is ready: the in-memory share
  // (4 / 2 replicas = 2) answers them. The third is refused with the share's drain time, half the
  // window; it must go back to the shared budget as soon as the connection is ready, not sleep.
  it('retries Redis at once when the connection is ready, not after the share’s wait', async () => {
    const redis = connect();
    await ready(redis);
    const limiter = new XeroRateLimiter({
      redis,
      keyPrefix: `test-${randomBytes(4).toString('hex')}`,
      limits: { tenantPerMinute: 4, minuteWindowMs: 30_000 },
    });
    const scope = { appId: 'app', tenantId: 't1' };
    redis.disconnect();
    await waitUntil(() => redis.status !== 'ready', 'the client to notice it is disconnected');
    for (const permit of await Promise.all([limiter.acquire(scope), limiter.acquire(scope)]))
      permit.release();
    const asked = Date.now();
    const third = limiter.acquire(scope);
    await new Promise((r) => setTimeout(r, 100)); // refused by the share: waiting ~15 s
    await redis.connect();
    const permit = await within(third, 'the queued call to reach Redis');
    expect(Date.now() - asked).toBeLessThan(2_000);
    permit.release();
  });
});

describe('Redis outage fallback', () => {
  let server: PrivateRedisServer;

  beforeAll(async () => {
    server = await PrivateRedisServer.start();
  });

  afterAll(async () => {
    await server.kill();
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
      setMaxListeners(attempts, signal);
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
    await server.kill();
    await new Promise((r) => setTimeout(r, 1_200));
    // Redis is away: this process may use its share (10 / 2 replicas): 5 at once, then 5 per
    // window (1,020 ms with the margin) spread evenly, 3 more in 700 ms.
    expect(redis.status).not.toBe('ready');
    const inOutage = await grantsWithin(700, 20);
    expect(inOutage).toBeGreaterThanOrEqual(7);
    expect(inOutage).toBeLessThanOrEqual(8);
    await server.up();
    await ready(redis);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await grantsWithin(700, 20)).toBe(10);
  });

  it('keeps calls flowing for 20 callers on one tenant while Redis is away, polling gently', async () => {
    const redis = connect(server.url);
    await ready(redis);
    const pollMs = 25;
    const limiter = new XeroRateLimiter({
      redis,
      keyPrefix: 'outage-flow',
      // Only the in-flight limit binds: 5 per tenant, a share of 2 for each of 2 replicas.
      limits: { tenantConcurrent: 5, tenantPerMinute: 100_000, appPerMinute: 100_000 },
      tuning: { expectedReplicas: 2, concurrencyPollMs: pollMs },
    });
    // Counts the attempts that reach the in-memory concurrency fallback (how often waiters poll).
    const fallback = (limiter as unknown as { concurrency: RedisLeaseLimiter }).concurrency
      .insurance;
    let fallbackAttempts = 0;
    const consume = fallback.consume.bind(fallback);
    fallback.consume = (...args) => (fallbackAttempts++, consume(...args));

    await server.kill();
    await waitUntil(() => redis.status !== 'ready', 'the client to notice Redis is gone');

    const scope = { appId: 'app', tenantId: 'busy' };
    let inFlight = 0;
    let maxInFlight = 0;
    let completed = 0;
    let longestWaitMs = 0;
    let gaveUp = 0;
    const runUntil = Date.now() + 2_000;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (Date.now() < runUntil) {
          const asked = Date.now();
          // A stalled fallback would never answer: give up after 3 s and count it.
          const permit = await limiter
            .acquire(scope, AbortSignal.timeout(3_000))
            .catch(() => undefined);
          if (!permit) {
            gaveUp++;
            return;
          }
          longestWaitMs = Math.max(longestWaitMs, Date.now() - asked);
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await new Promise((r) => setTimeout(r, 20)); // the call
          inFlight--;
          completed++;
          permit.release();
          await limiter.settle(scope, permit);
        }
      }),
    );
    console.log(
      `outage flow: ${JSON.stringify({ completed, maxInFlight, longestWaitMs, gaveUp })}`,
    );
    expect(gaveUp).toBe(0);
    expect(maxInFlight).toBe(2);
    // 2 slots × 2 s / ~20 ms per call ≈ 200; a stalled fallback completes 2.
    expect(completed).toBeGreaterThan(60);
    // FIFO: each caller waits for the 19 before it, 2 at a time (~10 × 20 ms).
    expect(longestWaitMs).toBeLessThan(1_500);

    // Both slots held, 18 callers waiting, for 1 s: the queue polls every pollMs, not every 1 ms.
    const held = await Promise.all([limiter.acquire(scope), limiter.acquire(scope)]);
    fallbackAttempts = 0;
    const controller = new AbortController();
    setMaxListeners(20, controller.signal);
    const waiting = Array.from({ length: 18 }, () =>
      limiter.acquire(scope, controller.signal).catch(() => undefined),
    );
    await new Promise((r) => setTimeout(r, 1_000));
    console.log(`outage polls while waiting 1 s: ${fallbackAttempts}`);
    expect(fallbackAttempts).toBeLessThanOrEqual(1_000 / pollMs + 5);
    // A release hands the slot to the next waiter at once; a stalled fallback never would.
    const freed = Date.now();
    held[0]!.release();
    const next = await within(waiting[0]!, 'the first waiter to get the released slot');
    expect(next).toBeDefined();
    expect(Date.now() - freed).toBeLessThan(500);
    controller.abort();
    await Promise.all(waiting);
    for (const permit of [held[1], ...(await Promise.all(waiting))]) permit?.release();
    await server.up();
  });
});
