import type { FastifyInstance } from 'fastify';
import type { Readiness } from './readiness.js';

/**
 * While draining, every answer closes its connection: a kept-alive client (an ingress controller,
 * or one whose connection kube-proxy pinned to this pod) then opens a new one, which reaches
 * another replica, instead of meeting the closed server's 503 or a reset.
 */
export function closeConnectionsWhileDraining(fastify: FastifyInstance, readiness: Readiness) {
  fastify.addHook('onSend', async (_request, reply) => {
    if (readiness.draining) void reply.header('connection', 'close');
  });
}
