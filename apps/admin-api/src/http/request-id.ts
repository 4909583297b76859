import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';

/** The response header that carries each request's id. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Each request's id (Fastify's `genReqId`): a random UUID, unique across restarts and replicas,
 * as the audit log's `requestId` must be to point at one request. An `X-Request-ID` the caller or
 * an ingress sends is not used: anyone could send one already in the audit log.
 */
export function newRequestId(): string {
  return randomUUID();
}

/** Every answer names its request, errors and 404s included (onRequest runs for all of them). */
export function answerWithRequestId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
}

const requestScope = new AsyncLocalStorage<string>();

/** The id of the request being handled, if any: for what a handler starts outside the app. */
export function currentRequestId(): string | undefined {
  return requestScope.getStore();
}

/**
 * Runs each handler (and what it starts, however long it runs) in its request's scope, so
 * currentRequestId() names it: a re-evaluation request carries the id of the request that asked.
 * The innermost global interceptor: one inside it that calls next.handle() from a callback (the
 * audit's, after its entry is written) would run the handler outside the scope.
 */
@Injectable()
export class RequestIdScope implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // Nest binds what next.handle() runs to the async context it is called in: this one.
    return requestScope.run(String(request.id), () => next.handle());
  }
}
