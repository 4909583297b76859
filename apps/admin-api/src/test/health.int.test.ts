import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PrivateRedisServer } from '@xero-access/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { createApiRedis } from '../app/runtime.js';
import { createLogger } from '../logging/logger.js';
import { DEPENDENCY_CHECK_TIMEOUT_MS } from '../health/dependency-checks.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

/** The harness's app again, with its own Redis client (the harness keeps the shared Redis). */
async function appWithRedis(h: Harness, redis: Redis): Promise<NestFastifyApplication> {
  return createApp({ ...h.deps, redis });
}

async function get(app: NestFastifyApplication, url: string, token?: string) {
  const response = await app.inject({
    method: 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { statusCode: response.statusCode, json: () => JSON.parse(response.body) };
}

async function eventually(what: string, done: () => Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(DIALECTS)('health on $dialect', ({ dialect }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => h?.close());

  it('is ready, and reports the database and Redis up on /health/dependencies', async () => {
    const ready = await h.call('GET', '/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok' });
    const dependencies = await h.call('GET', '/health/dependencies');
    expect(dependencies.statusCode).toBe(200);
    expect(dependencies.json()).toEqual({
      status: 'ok',
      checks: [
        { name: 'database', ok: true },
        { name: 'redis', ok: true },
      ],
      heldTokenSets: 0,
    });
  });

  it('stays ready and serves requests through a Redis failover; the diagnostics name Redis meanwhile', async () => {
    const server = await PrivateRedisServer.start();
    const redis = new Redis(server.url, { maxRetriesPerRequest: 2 });
    redis.on('error', () => undefined);
    const app = await appWithRedis(h, redis);
    try {
      await redis.ping();
      expect((await get(app, '/health/dependencies')).statusCode).toBe(200);

      await server.kill();
      await eventually('the client to notice', async () => redis.status !== 'ready');
      const ready = await get(app, '/health/ready');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ok' });
      // The API itself answers: rate limits count in memory meanwhile.
      expect((await get(app, '/findings', h.tokens.viewer)).statusCode).toBe(200);
      const down = await get(app, '/health/dependencies');
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({
        status: 'degraded',
        checks: [
          { name: 'database', ok: true },
          { name: 'redis', ok: false, detail: expect.stringMatching(/^not connected \(\w+\)$/) },
        ],
        heldTokenSets: 0,
      });

      await server.up();
      await eventually(
        'Redis to be reported up again',
        async () => (await get(app, '/health/dependencies')).statusCode === 200,
      );
    } finally {
      await app.close();
      redis.disconnect();
      await server.kill();
    }
  }, 60_000);
});

/** A Redis that takes the connection and never answers (hung, or a network partition). */
describe('a Redis that does not answer', () => {
  let h: Harness;
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  beforeAll(async () => {
    h = await startHarness('sqlite');
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    silent.close();
    await h?.close();
  });

  it('is reported within the check timeout, below the kubelet probe timeout of 1 s', async () => {
    // No ready check: the client counts itself connected, and its PING waits for an answer.
    const redis = new Redis({
      host: '127.0.0.1',
      port: (silent.address() as AddressInfo).port,
      enableReadyCheck: false,
      disableClientInfo: true,
      maxRetriesPerRequest: 1,
    });
    redis.on('error', () => undefined);
    const app = await appWithRedis(h, redis);
    try {
      await eventually('the client to connect', async () => redis.status === 'ready');
      const started = Date.now();
      const report = await get(app, '/health/dependencies');
      const took = Date.now() - started;
      expect(report.statusCode).toBe(503);
      expect(report.json().checks).toEqual([
        { name: 'database', ok: true },
        { name: 'redis', ok: false, detail: `no answer within ${DEPENDENCY_CHECK_TIMEOUT_MS} ms` },
      ]);
      expect(took).toBeLessThan(1_000);
      expect((await get(app, '/health/ready')).statusCode).toBe(200);
    } finally {
      await app.close();
      redis.disconnect();
    }
  });
});

/** A Redis that answered, then hangs (SIGSTOP): its connection stays open, commands get no answer. */
describe('a Redis that hangs after connecting', () => {
  let h: Harness;
  let server: PrivateRedisServer;
  beforeAll(async () => {
    h = await startHarness('sqlite');
    server = await PrivateRedisServer.start();
  });
  afterAll(async () => {
    server?.thaw();
    await server?.kill();
    await h?.close();
  });

  it('still answers requests within the command timeout, counting the rate limits per replica', async () => {
    const redis = createApiRedis(server.url, createLogger('silent'));
    const app = await appWithRedis(h, redis);
    try {
      await eventually('the client to connect', async () => redis.status === 'ready');
      expect((await get(app, '/findings', h.tokens.viewer)).statusCode).toBe(200);
      server.freeze();
      const started = Date.now();
      const answer = await get(app, '/findings', h.tokens.viewer);
      const took = Date.now() - started;
      expect(answer.statusCode).toBe(200);
      // Two limits, each waiting at most the 2 s command timeout; without it, no answer at all.
      expect(took).toBeLessThan(10_000);
      expect((await get(app, '/health/ready')).statusCode).toBe(200);
    } finally {
      server.thaw();
      await app.close();
      redis.disconnect();
    }
  }, 30_000);
});
