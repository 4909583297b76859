import type { FastifyInstance } from 'fastify';
import type { ApiRateLimit } from './api-rate-limit.js';
import { clientAddressKey } from './client-address.js';

/** Routes no rate limit counts (and whose answers carry no X-RateLimit-* headers). */
export const UNLIMITED_PREFIX = '/health/';

/**
 * Counts every request by client address before anything else runs (authentication included),
 * so neither made-up credentials nor public routes get past it. Health routes are not counted:
 * the probes, and /health/dependencies, which must answer while Redis hangs (a count would wait
 * for it).
 */
export function limitEachClientAddress(fastify: FastifyInstance, limit: ApiRateLimit): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(UNLIMITED_PREFIX)) return;
    await limit.enforce(clientAddressKey(request.ip), reply);
  });
}
