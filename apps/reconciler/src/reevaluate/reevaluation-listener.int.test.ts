import { reevaluationKeys, type ReevaluationRequest } from '@xero-access/model';
import { PrivateRedisServer, redisTestPrefix } from '@xero-access/testing';
import { createLimiterRedis } from '@xero-access/xero-client';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { memorySink } from '../test/memory-sink.js';
import { ReevaluationListener } from './reevaluation-listener.js';

const logger = pino({ level: 'silent' });

describe('re-evaluation listener (real Redis)', () => {
  const redis = new Redis(inject('redisUrl'));
  afterAll(() => redis.quit());

  const request = async (prefix: string, connections: string[]) => {
    const keys = reevaluationKeys(prefix);
    await redis
      .multi()
      .sadd(keys.pending, ...connections)
      .publish(keys.channel, JSON.stringify({ connections }))
      .exec();
  };

  it('takes each request once across two replicas, woken by PUBLISH', async () => {
    const prefix = redisTestPrefix('reeval');
    const seen: string[] = [];
    const listeners = [1, 2].map(
      () =>
        new ReevaluationListener({
          redis,
          keyPrefix: prefix,
          logger,
          drainEveryMs: 60_000,
          reevaluate: async (ns, name) => {
            seen.push(`${ns}/${name}`);
          },
        }),
    );
    await Promise.all(listeners.map((l) => l.start()));
    await request(prefix, ['finance/acme', 'finance/globex', 'payroll/x']);
    await expect
      .poll(() => [...seen].sort(), { timeout: 5_000 })
      .toEqual(['finance/acme', 'finance/globex', 'payroll/x']);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toHaveLength(3);
    await Promise.all(listeners.map((l) => l.stop()));
  });

  it('names the admin API request that asked in the log line of a request it handled', async () => {
    const prefix = redisTestPrefix('reeval');
    const { sink, lines } = memorySink();
    const listener = new ReevaluationListener({
      redis,
      keyPrefix: prefix,
      logger: createLogger('info', sink),
      drainEveryMs: 60_000,
      reevaluate: async () => undefined,
    });
    await listener.start();
    const handled = (connection: string) =>
      lines().find((l) => l.msg === 're-evaluation requested' && l.connection === connection);
    try {
      const keys = reevaluationKeys(prefix);
      const asked: ReevaluationRequest = {
        connections: ['finance/acme'],
        reason: 'scim.delete',
        at: new Date().toISOString(),
        requestId: '0b7f3c1e-2a4d-4c55-9e0f-6a1d2b3c4d5e',
      };
      await redis
        .multi()
        .sadd(keys.pending, ...asked.connections)
        .publish(keys.channel, JSON.stringify(asked))
        .exec();
      await expect
        .poll(() => handled('finance/acme'), { timeout: 5_000 })
        .toMatchObject({ requestIds: ['0b7f3c1e-2a4d-4c55-9e0f-6a1d2b3c4d5e'] });

      // A message from an admin API older than the field: handled as before, naming no request.
      await request(prefix, ['finance/globex']);
      await expect.poll(() => handled('finance/globex'), { timeout: 5_000 }).toBeDefined();
      expect(handled('finance/globex')).not.toHaveProperty('requestIds');
    } finally {
      await listener.stop();
    }
  });

  /** Every key the listener keeps for `prefix`, with what it holds (the queue is empty: none). */
  const queueKeys = async (prefix: string) => {
    const { pending } = reevaluationKeys(prefix);
    return {
      pending: await redis.smembers(pending),
      taken: await redis.zrange(`${pending}:taken`, 0, -1),
      failures: await redis.hgetall(`${pending}:failures`),
    };
  };

  /** A call that never answers (and ignores its signal) until the test lets it go. */
  const frozen = () => {
    let thaw!: () => void;
    const call = new Promise<void>((resolve) => (thaw = resolve));
    return { call, thaw };
  };

  it('loses none of the requests a replica took when it dies part-way: the next one handles them', async () => {
    const prefix = redisTestPrefix('reeval');
    await request(prefix, ['finance/acme', 'finance/globex', 'payroll/x']);
    // The first replica handles one request, then hangs for good in the next: from Redis's side,
    // exactly a replica killed there (it never finishes, records nothing, hands nothing back).
    const hang = frozen();
    const first: string[] = [];
    const dying = new ReevaluationListener({
      redis,
      keyPrefix: prefix,
      logger,
      drainEveryMs: 60_000,
      leaseMs: 500,
      timeoutMs: 60_000,
      reevaluate: async (ns, name) => {
        first.push(`${ns}/${name}`);
        if (first.length > 1) await hang.call;
      },
    });
    void dying.start();
    const second: string[] = [];
    const next = new ReevaluationListener({
      redis,
      keyPrefix: prefix,
      logger,
      drainEveryMs: 100,
      reevaluate: async (ns, name) => {
        second.push(`${ns}/${name}`);
      },
    });
    try {
      await expect.poll(() => first.length, { timeout: 5_000 }).toBe(2);
      await next.start();
      // What the dead replica handled stays handled; the rest, the one it died in included.
      const left = ['finance/acme', 'finance/globex', 'payroll/x'].filter((c) => c !== first[0]);
      await expect.poll(() => [...second].sort(), { timeout: 5_000 }).toEqual(left);
      await expect.poll(() => queueKeys(prefix)).toEqual({ pending: [], taken: [], failures: {} });
    } finally {
      hang.thaw();
      await Promise.all([dying.stop(), next.stop()]);
    }
  });

  it('hands back what it took but did not handle when stopped, for the next replica at once', async () => {
    const prefix = redisTestPrefix('reeval');
    await request(prefix, ['finance/acme', 'finance/globex', 'payroll/x']);
    const hang = frozen();
    const first: string[] = [];
    const stopped = new ReevaluationListener({
      redis,
      keyPrefix: prefix,
      logger,
      drainEveryMs: 60_000,
      // Only the hand-back can let the next replica have them within this test.
      leaseMs: 600_000,
      reevaluate: async (ns, name) => {
        first.push(`${ns}/${name}`);
        if (first.length > 1) await hang.call;
      },
    });
    void stopped.start();
    const second: string[] = [];
    const next = new ReevaluationListener({
      redis,
      keyPrefix: prefix,
      logger,
      drainEveryMs: 60_000,
      reevaluate: async (ns, name) => {
        second.push(`${ns}/${name}`);
      },
    });
    try {
      await expect.poll(() => first.length, { timeout: 5_000 }).toBe(2);
      // Stopping does not wait for the call in flight (a SIGTERM has a grace period to keep).
      const outcome = await Promise.race([
        stopped.stop().then(() => 'stopped'),
        new Promise((r) => setTimeout(() => r('still waiting'), 2_000)),
      ]);
      expect(outcome).toBe('stopped');
      await next.start();
      const left = ['finance/acme', 'finance/globex', 'payroll/x'].filter((c) => c !== first[0]);
      expect([...second].sort()).toEqual(left);
      expect(await queueKeys(prefix)).toEqual({ pending: [], taken: [], failures: {} });
    } finally {
      hang.thaw();
      await Promise.all([stopped.stop(), next.stop()]);
    }
  });

  it('logs a failing or hanging request and retries it later, while the others go on', async () => {
    const prefix = redisTestPrefix('reeval');
    await request(prefix, ['finance/acme', 'finance/broken', 'finance/stuck', 'payroll/x']);
    const { sink, lines } = memorySink();
    const calls: string[] = [];
    const hang = frozen();
    const listener = new ReevaluationListener({
      redis,
      keyPrefix: prefix,
      logger: createLogger('info', sink),
      drainEveryMs: 100,
      timeoutMs: 300,
      retry: { baseMs: 400, maxMs: 400, jitter: 0 },
      reevaluate: async (ns, name) => {
        const connection = `${ns}/${name}`;
        calls.push(connection);
        const attempt = calls.filter((c) => c === connection).length;
        if (name === 'broken' && attempt <= 2)
          throw Object.assign(new Error('apiserver unavailable'), { code: 503 });
        if (name === 'stuck' && attempt === 1) await hang.call;
      },
    });
    const handled = () =>
      lines()
        .filter((l) => l.msg === 're-evaluation requested')
        .map((l) => l.connection as string);
    const failed = () =>
      lines()
        .filter((l) => l.msg === 'could not request re-evaluation; will retry')
        .map((l) => ({
          connection: l.connection,
          failures: l.failures,
          error: (l.err as { message: string }).message,
        }));
    const started = listener.start();
    try {
      // The first drain goes past the failure and the hang.
      await expect
        .poll(() => handled(), { timeout: 2_000 })
        .toEqual(expect.arrayContaining(['finance/acme', 'payroll/x']));
      // Requested while the others wait for their retry: handled at once.
      await request(prefix, ['finance/late']);
      await expect.poll(() => handled(), { timeout: 2_000 }).toContain('finance/late');
      await expect
        .poll(() => handled().sort(), { timeout: 10_000 })
        .toEqual(['finance/acme', 'finance/broken', 'finance/late', 'finance/stuck', 'payroll/x']);
      expect(failed()).toEqual(
        expect.arrayContaining([
          { connection: 'finance/broken', failures: 1, error: 'apiserver unavailable' },
          { connection: 'finance/broken', failures: 2, error: 'apiserver unavailable' },
          { connection: 'finance/stuck', failures: 1, error: 'no answer within 300 ms' },
        ]),
      );
      expect(failed()).toHaveLength(3);
      // Retried after its delay, not on every drain (the timer drains every 100 ms).
      expect(calls.filter((c) => c === 'finance/broken')).toHaveLength(3);
      expect(calls.filter((c) => c === 'finance/stuck')).toHaveLength(2);
      await expect.poll(() => queueKeys(prefix)).toEqual({ pending: [], taken: [], failures: {} });
    } finally {
      hang.thaw();
      await Promise.all([started, listener.stop()]);
    }
  });

  it('retries a failed request after its backoff (about 5 s), not at the next 30 s drain', async () => {
    const prefix = redisTestPrefix('reeval');
    await request(prefix, ['finance/flaky']);
    const calls: number[] = [];
    // The defaults: a drain every 30 s, retries after 5 s (jittered down to 4 s), doubling.
    const listener = new ReevaluationListener({
      redis,
      keyPrefix: prefix,
      logger,
      reevaluate: async () => {
        calls.push(Date.now());
        if (calls.length === 1)
          throw Object.assign(new Error('apiserver unavailable'), { code: 503 });
      },
    });
    try {
      await listener.start();
      await expect.poll(() => calls.length, { timeout: 10_000, interval: 100 }).toBe(2);
      const waited = calls[1]! - calls[0]!;
      expect(waited).toBeGreaterThanOrEqual(3_900);
      expect(waited).toBeLessThan(7_000);
      await expect.poll(() => queueKeys(prefix)).toEqual({ pending: [], taken: [], failures: {} });
    } finally {
      await listener.stop();
    }
  });
});

describe('re-evaluation listener while its Redis is away', () => {
  // A private redis-server: stopping the shared one would disturb every other test.
  it('says once that Redis is away, prints no unhandled error events, and drains again when it is back', async () => {
    const server = await PrivateRedisServer.start();
    const redis = new Redis(server.url, {
      retryStrategy: () => 50,
      enableOfflineQueue: true,
    });
    redis.on('error', () => undefined);
    const consoleError = vi.spyOn(console, 'error');
    const warnings: string[] = [];
    const seen: string[] = [];
    const listener = new ReevaluationListener({
      redis,
      keyPrefix: redisTestPrefix('reeval'),
      logger: {
        ...logger,
        warn: (_: object, message: string) => warnings.push(message),
        info: () => undefined,
      } as unknown as typeof logger,
      drainEveryMs: 100,
      reevaluate: async (ns, name) => {
        seen.push(`${ns}/${name}`);
      },
    });
    try {
      await listener.start();
      await server.kill();
      await new Promise((r) => setTimeout(r, 1_500));
      expect(
        consoleError.mock.calls.filter((c) => String(c[0]).includes('Unhandled error event')),
      ).toEqual([]);
      expect(warnings.filter((w) => w.includes('subscriber lost Redis'))).toHaveLength(1);

      await server.up();
      await expect.poll(() => redis.status, { timeout: 5_000 }).toBe('ready');
      await redis.sadd(reevaluationKeys(listener['options'].keyPrefix).pending, 'finance/acme');
      await expect.poll(() => seen, { timeout: 5_000 }).toEqual(['finance/acme']);
    } finally {
      consoleError.mockRestore();
      await listener.stop();
      redis.disconnect();
      await server.kill();
    }
  });

  /**
   * A listener started, as the reconciler starts it (on its shared Redis client, which fails
   * commands fast), while its Redis is down; and that Redis, brought up with `up()`.
   */
  const startedWhileRedisIsDown = async (drainEveryMs: number) => {
    const server = await PrivateRedisServer.start();
    await server.kill();
    const redis = createLimiterRedis(server.url);
    const admin = new Redis(server.url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
    admin.on('error', () => undefined);
    const seen: string[] = [];
    const listener = new ReevaluationListener({
      redis,
      keyPrefix: redisTestPrefix('reeval'),
      logger,
      drainEveryMs,
      reevaluate: async (ns, name) => {
        seen.push(`${ns}/${name}`);
      },
    });
    const started = listener.start().then(() => 'started');
    // Long past the ~80 ms in which the shared client's options refuse a SUBSCRIBE.
    await new Promise((r) => setTimeout(r, 1_500));
    const keys = reevaluationKeys(listener['options'].keyPrefix);
    return {
      server,
      admin,
      keys,
      seen,
      started,
      /** Subscribers on the channel, as Redis counts them. */
      subscribers: async () => {
        const [, count] = (await admin.pubsub('NUMSUB', keys.channel)) as [string, number];
        return Number(count);
      },
      /** Its connection for taking requests is back (it reconnects on its own schedule). */
      commandsReady: () => listener['commandConnection']?.status === 'ready',
      async end() {
        await listener.stop();
        redis.disconnect();
        admin.disconnect();
        await server.kill();
      },
    };
  };

  it('started while Redis is down, drains on its timer once Redis is up: no PUBLISH needed', async () => {
    const t = await startedWhileRedisIsDown(300);
    try {
      await t.server.up();
      await t.admin.sadd(t.keys.pending, 'finance/acme');
      await expect.poll(() => t.seen, { timeout: 5_000 }).toEqual(['finance/acme']);
    } finally {
      await t.end();
    }
  });

  it('started while Redis is down, subscribes once Redis is up and again after each reconnect', async () => {
    // No drain on the timer within the test: only a PUBLISH can have a request handled.
    const t = await startedWhileRedisIsDown(600_000);
    const requestAndExpect = async (connection: string) => {
      await expect.poll(() => t.subscribers(), { timeout: 5_000 }).toBe(1);
      await expect.poll(() => t.commandsReady(), { timeout: 5_000 }).toBe(true);
      await t.admin
        .multi()
        .sadd(t.keys.pending, connection)
        .publish(t.keys.channel, JSON.stringify({ connections: [connection] }))
        .exec();
      await expect.poll(() => t.seen, { timeout: 5_000 }).toContain(connection);
    };
    try {
      await t.server.up();
      await requestAndExpect('finance/acme');
      expect(
        await Promise.race([t.started, new Promise((r) => setTimeout(() => r('pending'), 5_000))]),
      ).toBe('started');

      await t.server.kill();
      await new Promise((r) => setTimeout(r, 1_500));
      await t.server.up();
      await requestAndExpect('finance/globex');
      expect(t.seen).toEqual(['finance/acme', 'finance/globex']);
    } finally {
      await t.end();
    }
  });
});
