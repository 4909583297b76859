import { reevaluationKeys } from '@xero-access/model';
import { redisTestPrefix } from '@xero-access/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
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
