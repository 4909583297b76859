import type { FastifyInstance } from 'fastify';
import type { ApiMetrics } from './api-metrics.js';
import { routeLabel } from './route-label.js';

/**
 * Counts every answer into `metrics`, whoever made it: the routes, the exception filter, or
 * fastify itself (a body it cannot parse, one over the body limit, no route). The hook runs once
 * the answer is sent, with the status the client got.
 */
export function countRequests(fastify: FastifyInstance, metrics: ApiMetrics): void {
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.observe(
      request.method,
      routeLabel(request.routeOptions.url),
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
}
