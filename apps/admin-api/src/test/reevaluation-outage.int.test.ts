import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { reevaluationKeys } from '@xero-access/model';
import { PrivateRedisServer } from '@xero-access/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { createApiRedis } from '../app/runtime.js';
import { createLogger } from '../logging/logger.js';
import { ApiMetrics } from '../metrics/api-metrics.js';
import { seedAcme } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

async function eventually(what: string, done: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The app on a Redis of the test's own, the API's own client settings (createApiRedis), so that
 * Redis can be stopped and started again while a staff change asks for re-evaluation.
 */
describe('re-evaluation requests while Redis is unavailable', () => {
  let h: Harness;
  let server: PrivateRedisServer;
  let redis: Redis;
  let app: NestFastifyApplication;
  const metrics = new ApiMetrics({ defaultMetrics: false });
  const lines: LogLine[] = [];
  const failedTotal = async () =>
    /^xao_admin_reevaluation_requests_failed_total (\S+)$/m.exec(
      await metrics.registry.metrics(),
    )?.[1];

  beforeAll(async () => {
    h = await startHarness('sqlite');
    await seedAcme(h.model);
    server = await PrivateRedisServer.start();
    const logger = createLogger('debug', {
      write: (line: string) => void lines.push(JSON.parse(line) as LogLine),
    });
    redis = createApiRedis(server.url, logger);
    app = await createApp({ ...h.deps, redis, logger }, { metrics });
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await server?.kill();
    await h?.close();
  });
  beforeEach(async () => {
    if (!server.running) await server.up();
    await eventually('the API to reach Redis', () => redis.status === 'ready');
  });

  /** A member whose email a Xero user of finance/acme has, offboarded by PATCH. */
  async function offboard(email: string) {
    const member = await h.model.db.staff.create({ email, name: email });
    const response = await app.inject({
      method: 'PATCH',
      url: `/staff/${member.id}`,
      headers: { authorization: `Bearer ${h.tokens.admin}` },
      payload: { offboardedAt: '2026-11-01T00:00:00Z' },
    });
    return { member, statusCode: response.statusCode, body: JSON.parse(response.body) };
  }

  it('saves the change and says the connection was not asked to re-evaluate, when Redis stays down', async () => {
    await server.kill();
    const { member, statusCode, body } = await offboard('liam.patel@acme.example');

    expect(statusCode).toBe(200);
    expect(body).toMatchObject({
      status: 'offboarded',
      reevaluated: [],
      notReevaluated: ['finance/acme'],
    });
    expect((await h.model.db.staff.get(member.id))?.status).toBe('offboarded');
    const [given] = lines.filter((l) => /^could not request re-evaluation/.test(l.msg));
    expect(given).toMatchObject({
      level: 'error',
      connections: ['finance/acme'],
      reason: 'staff.update',
    });
    expect(given!.attempts).toBeGreaterThan(1);
    expect(await failedTotal()).toBe('1');
  }, 60_000);

  it('queues the request when Redis is back within the retry budget', async () => {
    const before = await failedTotal();
    const from = lines.length;
    await server.kill();
    const answer = offboard('olivia.chen@acme.example');
    await eventually('a failed try', () =>
      lines.slice(from).some((l) => l.msg === 're-evaluation request failed'),
    );
    await server.up();
    const { statusCode, body } = await answer;

    expect(statusCode).toBe(200);
    expect(body).toMatchObject({
      status: 'offboarded',
      reevaluated: ['finance/acme'],
      notReevaluated: [],
    });
    // The restarted Redis is empty: what it holds, this request wrote.
    const check = new Redis(server.url);
    try {
      expect(await check.smembers(reevaluationKeys(h.prefix).pending)).toEqual(['finance/acme']);
    } finally {
      check.disconnect();
    }
    expect(lines.slice(from).map((l) => l.msg)).toContain(
      'requested re-evaluation after Redis failed to answer',
    );
    expect(await failedTotal()).toBe(before);
  }, 60_000);
});
