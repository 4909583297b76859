import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { xeroProblem } from '../api/problem.js';
import type { FaultArea, FaultState } from './faults.js';

/**
 * Applies connection-level faults before any route runs: drops, 5xx bursts, identity latency,
 * and marks responses whose body must be truncated on the way out. API latency is applied by
 * the API routes themselves, so a slow call keeps its in-flight slot as it would at Xero.
 */
export function installFaultHooks(
  app: FastifyInstance,
  faults: FaultState,
  areaOf: (url: string) => FaultArea | undefined,
): void {
  const malformed = new WeakSet<FastifyRequest>();

  app.addHook('onRequest', async (request, reply) => {
    const area = areaOf(request.url);
    if (!area) return;
    if (area === 'identity') {
      const latency = faults.latencyFor(area);
      if (latency > 0) await sleep(latency);
    }
    if (faults.takeDrop(area)) {
      reply.hijack();
      request.raw.socket.destroy();
      return;
    }
    const status = faults.takeServerError(area);
    if (status !== undefined) {
      return reply
        .code(status)
        .send(
          xeroProblem(
            status,
            status === 503 ? 'Service Unavailable' : 'Internal Server Error',
            'Injected fault',
          ),
        );
    }
    if (faults.takeMalformed(area)) malformed.add(request);
  });

  app.addHook('onSend', async (request, _reply, payload) => {
    if (!malformed.has(request)) return payload;
    const text =
      typeof payload === 'string'
        ? payload
        : Buffer.isBuffer(payload)
          ? payload.toString('utf8')
          : '{"';
    return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  });
}
