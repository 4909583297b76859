import { PrivateRedisServer } from '@xero-access/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { createApiRedis } from './runtime.js';

describe("the API's Redis client (a Redis of the test's own)", () => {
  let server: PrivateRedisServer;
  let redis: Redis;
  const lines: { level: string; msg: string; [key: string]: unknown }[] = [];

  beforeAll(async () => {
    server = await PrivateRedisServer.start();
    redis = createApiRedis(
      server.url,
      createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) }),
    );
    await redis.ping();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.kill();
  });

  it('logs an outage as it begins and ends, not at each failed reconnect', async () => {
    let errors = 0;
    redis.on('error', () => (errors += 1));
    await server.kill();
    // ioredis reconnects at once, then backs off to every 2 s: a few failures within seconds.
    await expect.poll(() => errors, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(5);
    await server.up();
    await expect.poll(() => redis.status, { timeout: 10_000 }).toBe('ready');

    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'Redis is unavailable; reconnecting (logged again every 30 s until it is back)'],
      ['info', 'Redis is available again'],
    ]);
    expect(lines[1]!.unavailableForMs).toBeGreaterThan(0);
  }, 40_000);
});
