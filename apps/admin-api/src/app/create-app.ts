import 'reflect-metadata';
import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { closeConnectionsWhileDraining } from '../health/close-connections-while-draining.js';
import { registerUtf8BodyParsers } from '../http/body-parsers.js';
import { answerWithRequestId, newRequestId } from '../http/request-id.js';
import { Readiness } from '../health/readiness.js';
import { SECURITY_HEADERS } from '../http/security-headers.js';
import { registerDocs } from '../openapi/docs.js';
import { createOpenApiDocument } from '../openapi/document.js';
import { ApiRateLimit } from '../rate-limit/api-rate-limit.js';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import { countRequests } from '../metrics/count-requests.js';
import { limitEachClientAddress } from '../rate-limit/client-ip-limit.js';
import { AppModule, type AppDependencies } from './app.module.js';

/**
 * Builds the app (routes, parsers, rate limit, OpenAPI and docs) without listening; with
 * `metrics`, every answer and every re-evaluation request given up on is counted into them (the
 * server's metrics listener serves them).
 */
export async function createApp(
  deps: AppDependencies,
  options: { metrics?: ApiMetrics } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // One access-log line per request (below) instead of Fastify's two.
    logger: false,
    // A UUID per request, in the access log, the audit log and the X-Request-ID answer header;
    // never one the caller sends (Fastify would number them req-1, req-2… per process).
    genReqId: newRequestId,
    requestIdHeader: false,
    bodyLimit: deps.config.bodyLimitBytes,
    // Path parameters are validated (and refused with a 400 naming them) by the routes: a
    // Kubernetes name may be 253 characters, past Fastify's default of 100 (answered 414).
    // (In routerOptions: Fastify 5 warns, FSTDEP022, at every start for the top-level option.)
    routerOptions: { maxParamLength: 1024 },
    // The OAuth callback's query carries code and state (percent-encoded: up to 12 bytes per
    // character); the routes bound each value, Node's default 16 KiB would answer 431 first.
    http: { maxHeaderSize: 64 * 1024 },
    // Only these peers' X-Forwarded-For is believed; with none, the peer's own address counts.
    trustProxy: deps.config.trustProxy.length ? deps.config.trustProxy : false,
  });
  const fastify = adapter.getInstance();
  // @nestjs/platform-fastify brings its own copy of fastify: same runtime, distinct types.
  const root = fastify as unknown as FastifyInstance;
  answerWithRequestId(root);
  fastify.addHook('onResponse', async (request, reply) => {
    deps.logger.info(
      {
        req: { id: request.id, method: request.method, url: request.url, ip: request.ip },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });
  if (options.metrics) countRequests(root, options.metrics);
  registerUtf8BodyParsers(root);

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.with(deps, options.metrics),
    adapter,
    {
      logger: ['error', 'warn'],
      abortOnError: false,
      // The body parsers are ours (registerUtf8BodyParsers); Nest's would decode leniently.
      bodyParser: false,
    },
  );
  // Before the rate limit, so a 429 carries the security headers too.
  await app.register(
    helmet as unknown as Parameters<NestFastifyApplication['register']>[0],
    SECURITY_HEADERS as never,
  );
  limitEachClientAddress(
    root,
    new ApiRateLimit({
      redis: deps.redis,
      keyPrefix: `${deps.config.redisKeyPrefix}api-rl:ip`,
      perMinute: deps.config.rateLimitPerIpPerMinute,
      per: 'client IP',
      logger: deps.logger,
    }),
  );
  closeConnectionsWhileDraining(root, app.get(Readiness));
  const document = createOpenApiDocument(app);
  registerDocs(root, `${JSON.stringify(document, null, 2)}\n`);
  await app.init();
  await fastify.ready();
  return app;
}
