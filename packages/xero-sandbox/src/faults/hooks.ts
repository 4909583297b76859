import type { FastifyInstance, FastifyRequest } from 'fastify';
import { xeroProblem } from '../api/problem.js';
import type { FaultArea, FaultState } from './faults.js';

/**
 * Applies connection-level faults before any route runs (drops, 5xx bursts) and on the way out:
 * identity latency once the route has done its work (a token request has rotated the refresh
 * token before its slow answer leaves), truncated bodies. API latency is applied by the API
 * routes themselves, so a slow call keeps its in-flight slot as it would at Xero.
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
    if (areaOf(request.url) === 'identity') await faults.delay('identity');
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
