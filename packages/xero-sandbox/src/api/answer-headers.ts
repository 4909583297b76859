import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { xeroProblem } from './problem.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * What every answer of the API host carries, whichever path produced it: a Xero-Correlation-Id
 * and X-DayLimit-Remaining, X-MinLimit-Remaining, X-AppMinLimit-Remaining (design.md). Routes set
 * the limit headers for their caller; an answer no route made (an injected fault, an unknown path,
 * a crash) names no caller, so it gets the whole budgets (see RateLimiter.standingHeaders).
 */
export function installApiAnswerHeaders(scope: FastifyInstance, limiter: RateLimiter): void {
  scope.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('Xero-Correlation-Id')) reply.header('Xero-Correlation-Id', randomUUID());
    for (const [name, value] of Object.entries(limiter.standingHeaders()))
      if (!reply.hasHeader(name)) reply.header(name, value);
    return payload;
  });
  // Within the API prefix, so that unknown paths get the hook above too.
  scope.setNotFoundHandler(async (_request, reply) =>
    reply
      .code(404)
      .send(xeroProblem(404, 'Not Found', "The resource you're looking for cannot be found")),
  );
}
