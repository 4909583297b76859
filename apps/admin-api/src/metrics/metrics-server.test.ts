import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';

describe('the metrics listener', () => {
  const registry = new Registry();
  new Counter({ name: 'xao_test_total', help: 'A test series.', registers: [registry] }).inc(3);
  let server: MetricsServer;
  beforeAll(async () => {
    server = await startMetricsServer(registry, { port: 0, host: '127.0.0.1' });
  });
  afterAll(() => server.close());

  it("serves the registry's text format at /metrics", async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    expect(await response.text()).toContain('xao_test_total 3');
  });

  it('serves nothing else', async () => {
    for (const path of ['/', '/health/live', '/findings', '/metrics/x'])
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
