import { reevaluationKeys } from '@xero-access/model';
import { PrivateRedisServer, redisTestPrefix } from '@xero-access/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
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

  it('drains what was requested while it was down, and puts back what failed', async () => {
    const prefix = redisTestPrefix('reeval');
    await request(prefix, ['finance/acme', 'finance/broken']);
    const seen: string[] = [];
    const listener = new ReevaluationListener({
      redis,
      keyPrefix: prefix,
      logger,
      drainEveryMs: 60_000,
      reevaluate: async (ns, name) => {
        if (name === 'broken') throw new Error('apiserver unavailable');
        seen.push(`${ns}/${name}`);
      },
    });
    await listener.start();
    expect(seen).toEqual(['finance/acme']);
    expect(await redis.smembers(reevaluationKeys(prefix).pending)).toEqual(['finance/broken']);
    await listener.stop();
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
});
