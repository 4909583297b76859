import 'reflect-metadata';
import { createHash } from 'node:crypto';
import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken } from '../auth/auth.guard.js';
import { registerDocs } from '../openapi/docs.js';
import { createOpenApiDocument } from '../openapi/document.js';
import { AppModule, type AppDependencies } from './app.module.js';

/** Per credential when there is one (so one client cannot starve another behind the same NAT), else per IP. */
function rateLimitKey(request: FastifyRequest): string {
  const token = bearerToken(request.headers.authorization);
  return token
    ? `t:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`
    : `ip:${request.ip}`;
}

/** Builds the app (routes, parsers, rate limit, OpenAPI and docs) without listening. */
export async function createApp(deps: AppDependencies): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // One access-log line per request (below) instead of Fastify's two.
    logger: false,
    bodyLimit: deps.config.bodyLimitBytes,
    // Path parameters are validated (and refused with a 400 naming them) by the routes: a
    // Kubernetes name may be 253 characters, past Fastify's default of 100 (answered 414).
    // (In routerOptions: Fastify 5 warns, FSTDEP022, at every start for the top-level option.)
    routerOptions: { maxParamLength: 1024 },
    // The OAuth callback's query carries code and state (percent-encoded: up to 12 bytes per
    // character); the routes bound each value, Node's default 16 KiB would answer 431 first.
    http: { maxHeaderSize: 64 * 1024 },
    trustProxy: deps.config.trustProxy
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  });
  const fastify = adapter.getInstance();
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
  const json = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/scim+json', { parseAs: 'string' }, json);
  fastify.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.with(deps), adapter, {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  const limits: RateLimitPluginOptions = {
    global: true,
    max: deps.config.rateLimitPerMinute,
    timeWindow: 60_000,
    redis: deps.redis,
    nameSpace: `${deps.config.redisKeyPrefix}api-rl:`,
    keyGenerator: rateLimitKey,
    allowList: (request) => request.url.startsWith('/health/'),
    // A Redis outage must not take the API down with it.
    skipOnError: true,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `rate limit of ${context.max} requests per minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`,
    }),
  };
  // @nestjs/platform-fastify brings its own copy of fastify: same runtime, distinct types.
  await app.register(
    rateLimit as unknown as Parameters<NestFastifyApplication['register']>[0],
    limits as never,
  );
  const document = createOpenApiDocument(app);
  registerDocs(fastify as unknown as FastifyInstance, `${JSON.stringify(document, null, 2)}\n`);
  await app.init();
  await fastify.ready();
  return app;
}
