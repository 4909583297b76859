import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { APP_VERSION } from '../app/version.js';

/** Everything the metrics listener's /metrics exposes. One registry per process (tests create their own). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'xao_admin_http_requests_total',
    help: 'Answered HTTP requests by method, route template (unmatched: no route) and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'xao_admin_http_request_duration_seconds',
    help: 'Time from receiving a request to sending the last byte of its answer, by method and route template.',
    labelNames: ['method', 'route'] as const,
    // Exports and review reports are streamed: they may take tens of seconds.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly reevaluationRequestsFailed = new Counter({
    name: 'xao_admin_reevaluation_requests_failed_total',
    help:
      'Re-evaluation requests of staff, link, finding and connect changes that Redis did not take ' +
      'within the retry budget: their connections wait for their next scheduled sync.',
    registers: [this.registry],
  });
  readonly buildInfo = new Gauge({
    name: 'xao_build_info',
    help: 'Always 1: the app and its version (its package.json).',
    labelNames: ['app', 'version'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.buildInfo.set({ app: 'admin-api', version: APP_VERSION }, 1);
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'xao_admin_' });
  }

  /** One answered request: `route` is its template (routeLabel), never the URL. */
  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.requestDuration.observe({ method, route }, seconds);
  }
}
