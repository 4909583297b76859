import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, get, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, redisTestPrefix, serviceUrls } from '@xero-access/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../app/serve.js';
import { parseConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';

const DRAIN_SECONDS = 3;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
}

/** One GET over `agent` (a kept-alive connection, as an ingress controller holds one). */
function request(url: string, agent: Agent, headers: Record<string, string> = {}) {
  return new Promise<Answer>((resolve, reject) => {
    get(url, { agent, headers }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers }),
      );
    }).on('error', reject);
  });
}

describe('admin API shutdown (what SIGTERM runs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xao-api-shutdown-'));
  const prefix = redisTestPrefix('api-shutdown');
  afterAll(async () => {
    const redis = new Redis(serviceUrls.redis);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers readiness 503 at once, serves requests through the drain, then stops listening', async () => {
    const token = `xao_${randomBytes(32).toString('base64url')}`;
    const config = parseConfig({
      databaseUrl: `sqlite://${join(dir, 'api.db')}`,
      redisUrl: serviceUrls.redis,
      redisKeyPrefix: prefix,
      host: '127.0.0.1',
      port: await freePort(),
      metricsPort: 0,
      bootstrapAdminToken: token,
      shutdownDrainSeconds: DRAIN_SECONDS,
      oidc: {},
      xero: {},
    });
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('info', {
      write: (text: string) => void lines.push(JSON.parse(text) as Record<string, unknown>),
    });
    const server = await startServer(config, logger);
    const base = `http://127.0.0.1:${config.port}`;
    const auth = { authorization: `Bearer ${token}` };
    const keptAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const another = new Agent({ keepAlive: true });
    let closed = false;
    try {
      expect((await request(`${base}/health/ready`, keptAlive)).status).toBe(200);

      const started = Date.now();
      const stopping = server.shutdown().then(() => (closed = true));

      // At once: not ready, on the kept-alive connection and on a new one...
      const ready = await request(`${base}/health/ready`, keptAlive);
      expect(ready.status).toBe(503);
      // ...and each answer closes its connection, so the client reconnects to another replica.
      expect(ready.headers.connection).toBe('close');
      expect((await fetch(`${base}/health/ready`)).status).toBe(503);
      // Still serving: requests on new connections, and liveness.
      const findings = await request(`${base}/findings`, another, auth);
      expect(findings.status).toBe(200);
      expect(findings.headers.connection).toBe('close');
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      // Still serving a second into the drain.
      await sleep(1_000);
      expect(closed).toBe(false);
      expect((await fetch(`${base}/findings`, { headers: auth })).status).toBe(200);

      await stopping;
      expect(Date.now() - started).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000);
      await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    } finally {
      keptAlive.destroy();
      another.destroy();
      if (!closed) await server.close();
    }
    expect(lines.find((l) => l.msg?.toString().startsWith('shutting down'))).toMatchObject({
      level: 'info',
      app: 'admin-api',
      drainSeconds: DRAIN_SECONDS,
    });
    expect(lines.at(-1)).toMatchObject({ msg: 'admin API closed' });
  }, 60_000);
});
