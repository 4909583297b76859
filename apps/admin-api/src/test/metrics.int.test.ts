import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisTestPrefix, serviceUrls } from '@xero-access/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../app/serve.js';
import { APP_VERSION } from '../app/version.js';
import { parseConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';

/** Each `xao_admin_http_requests_total` series (its labels as written) and its value. */
function requestCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^xao_admin_http_requests_total(\{.*\}) (\S+)$/.exec(line);
    if (match) counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}

describe('admin API metrics (what serve starts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xao-api-metrics-'));
  const prefix = redisTestPrefix('api-metrics');
  const token = `xao_${randomBytes(32).toString('base64url')}`;
  let server: RunningServer;
  const scrape = async () => (await fetch(`${server.metricsUrl}/metrics`)).text();

  beforeAll(async () => {
    const config = parseConfig({
      databaseUrl: `sqlite://${join(dir, 'api.db')}`,
      redisUrl: serviceUrls.redis,
      redisKeyPrefix: prefix,
      host: '127.0.0.1',
      port: await freePort(),
      metricsHost: '127.0.0.1',
      metricsPort: 0,
      bootstrapAdminToken: token,
      bodyLimitBytes: 1024,
      shutdownDrainSeconds: 0,
      oidc: {},
      xero: {},
    });
    server = await startServer(config, createLogger('silent'));
  });
  afterAll(async () => {
    await server?.close();
    const redis = new Redis(serviceUrls.redis);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /metrics on its own listener, never on the API port', async () => {
    expect(new URL(server.metricsUrl).port).not.toBe(new URL(server.url).port);
    const onApi = await fetch(`${server.url}/metrics`);
    expect(onApi.status).toBe(404);
    expect(await onApi.text()).not.toContain('xao_');
    const text = await scrape();
    expect(text).toContain(`xao_build_info{app="admin-api",version="${APP_VERSION}"} 1`);
    expect(text).toContain('xao_admin_process_cpu_seconds_total');
  });

  it("counts every answer by route template, the exception filter's and fastify's own included", async () => {
    const before = requestCounts(await scrape());
    const added = (text: string) =>
      Object.fromEntries(
        [...requestCounts(text)]
          .map(([labels, count]) => [labels, count - (before.get(labels) ?? 0)] as const)
          .filter(([, count]) => count > 0),
      );
    const auth = { authorization: `Bearer ${token}` };
    const id = randomUUID();
    const email = 'alice.leaver@acme.example';
    const json = { ...auth, 'content-type': 'application/json' };
    const answers = [
      await fetch(`${server.url}/findings/${id}`, { headers: auth }),
      await fetch(`${server.url}/findings`),
      await fetch(`${server.url}/no-such-route/${email}`, { headers: auth }),
      await fetch(`${server.url}/staff`, { method: 'POST', headers: json, body: '{"email":' }),
      await fetch(`${server.url}/staff`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email, name: 'x'.repeat(2048) }),
      }),
    ];
    expect(answers.map((a) => a.status)).toEqual([404, 401, 404, 400, 413]);

    // Counted once each answer is sent: wait until every one shows.
    const expected = {
      '{method="GET",route="/findings/{id}",status="404"}': 1,
      '{method="GET",route="/findings",status="401"}': 1,
      '{method="GET",route="unmatched",status="404"}': 1,
      '{method="POST",route="/staff",status="400"}': 1,
      '{method="POST",route="/staff",status="413"}': 1,
    };
    await vi.waitFor(async () => expect(added(await scrape())).toEqual(expected), {
      timeout: 10_000,
      interval: 50,
    });
    const text = await scrape();
    expect(text).toContain(
      'xao_admin_http_request_duration_seconds_count{method="GET",route="/findings/{id}"} 1',
    );
    // No value from a URL becomes a label.
    for (const value of [id, email, 'no-such-route']) expect(text).not.toContain(value);
  });
});
