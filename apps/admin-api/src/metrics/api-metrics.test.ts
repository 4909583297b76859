import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiMetrics } from './api-metrics.js';

const series = (text: string, name: string) =>
  text.split('\n').filter((line) => line.startsWith(`${name}{`));

describe('ApiMetrics', () => {
  it('names the app and its package.json version in xao_build_info', async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const metrics = new ApiMetrics({ defaultMetrics: false });
    expect(series(await metrics.registry.metrics(), 'xao_build_info')).toEqual([
      `xao_build_info{app="admin-api",version="${version}"} 1`,
    ]);
  });

  it('counts requests by method, route and status, and times them by method and route', async () => {
    const metrics = new ApiMetrics({ defaultMetrics: false });
    metrics.observe('GET', '/findings/{id}', 200, 0.02);
    metrics.observe('GET', '/findings/{id}', 404, 0.2);
    const text = await metrics.registry.metrics();
    expect(series(text, 'xao_admin_http_requests_total')).toEqual([
      'xao_admin_http_requests_total{method="GET",route="/findings/{id}",status="200"} 1',
      'xao_admin_http_requests_total{method="GET",route="/findings/{id}",status="404"} 1',
    ]);
    expect(series(text, 'xao_admin_http_request_duration_seconds_count')).toEqual([
      'xao_admin_http_request_duration_seconds_count{method="GET",route="/findings/{id}"} 2',
    ]);
    expect(series(text, 'xao_admin_http_request_duration_seconds_bucket')).toContain(
      'xao_admin_http_request_duration_seconds_bucket{le="0.025",method="GET",route="/findings/{id}"} 1',
    );
  });

  it('exports the Node.js process metrics unless told not to', async () => {
    expect(await new ApiMetrics().registry.metrics()).toContain(
      'xao_admin_process_cpu_seconds_total',
    );
  });
});
