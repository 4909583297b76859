import { randomBytes } from 'node:crypto';
import { createLimiterRedis, silentLogger } from '@xero-access/xero-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { until } from '../test/harness.js';
import { XeroClients } from './xero-clients.js';

describe('XeroClients', () => {
  const redis = createLimiterRedis(inject('redisUrl'));
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => void warnings.push(warning);

  beforeAll(async () => {
    process.on('warning', onWarning);
    await until(() => redis.status === 'ready', 10_000);
  });

  afterAll(() => {
    process.off('warning', onWarning);
    redis.disconnect();
  });

  const clients = () =>
    new XeroClients({
      redis,
      keyPrefix: `xero-clients-${randomBytes(4).toString('hex')}`,
      endpoints: {},
      limits: {},
      logger: silentLogger,
      refreshLockTtlMs: 10_000,
    });
  const app = (id: string, clientSecret = `secret-${id}`) => ({ clientId: id, clientSecret });

  // ClientCredentials: each connection is a Xero app of its own.
  it('listens once on Redis however many apps it has clients for', async () => {
    const cache = clients();
    for (let i = 0; i < 503; i++) cache.for(`finance/custom-${i}`, app(`custom-${i}`));
    expect(cache.size).toBe(503);
    expect(redis.listenerCount('ready')).toBe(1);
    // Node reports an exceeded listener limit asynchronously.
    await new Promise((r) => setImmediate(r));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it("replaces an app's client when its secret is rotated", () => {
    const cache = clients();
    const before = cache.for('finance/acme', app('web', 'old'));
    expect(cache.for('finance/acme', app('web', 'old'))).toBe(before);
    const rotated = cache.for('finance/acme', app('web', 'new'));
    expect(rotated).not.toBe(before);
    expect(rotated.identity.clientId).toBe('web');
    expect(cache.size).toBe(1);
    expect(cache.for('finance/acme', app('web', 'new'))).toBe(rotated);
  });

  it('keeps an app while a connection uses it, and drops it after', () => {
    const cache = clients();
    const shared = cache.for('finance/acme', app('web'));
    expect(cache.for('payroll/acme', app('web'))).toBe(shared);
    cache.for('finance/payments', app('custom'));
    expect(cache.size).toBe(2);

    cache.release('finance/acme');
    expect(cache.for('payroll/acme', app('web'))).toBe(shared);
    cache.release('payroll/acme');
    expect(cache.size).toBe(1);
    // Pointed at another app: the one it used before has no connection left.
    cache.for('finance/payments', app('other-custom'));
    expect(cache.size).toBe(1);
    cache.release('finance/payments');
    expect(cache.size).toBe(0);

    cache.for('finance/acme', app('web'));
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.for('finance/acme', app('web'))).not.toBe(shared);
  });
});
