import { z } from 'zod';
import { Returns } from '../openapi/returns.js';
import { Controller, Get, HttpException, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ModelOrm } from '@xero-access/model';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { Access } from '../auth/access.decorator.js';
import { MODEL } from '../database/database.module.js';
import { TokenSetWriter } from '../connect/token-set-writer.js';
import { errorResponse } from '../openapi/error-responses.js';
import { REDIS } from '../redis/redis.module.js';
import { checkDependencies, DEPENDENCY_CHECK_TIMEOUT_MS } from './dependency-checks.js';
import { Readiness } from './readiness.js';

const dependencyReportSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  heldTokenSets: z
    .number()
    .int()
    .nonnegative()
    .describe(
      'Token sets of consents this replica has not stored in their Secret yet (retried until TOKEN_WRITE_RETRY); not part of `status`',
    ),
  checks: z.array(
    z.object({
      name: z.enum(['database', 'redis']),
      ok: z.boolean(),
      detail: z
        .string()
        .optional()
        .describe('What is wrong: a state or error code, e.g. `unavailable (ECONNREFUSED)`'),
    }),
  ),
});

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(MODEL) private readonly model: ModelOrm,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(TokenSetWriter) private readonly tokenSets: TokenSetWriter,
  ) {}

  @Get('live')
  @Access('public')
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness: the process answers' })
  @Returns(z.object({ status: z.literal('ok') }))
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Access('public')
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'Readiness: this replica takes traffic (it is not shutting down)',
    description:
      'The database and Redis are not asked: while either is down every replica answers alike ' +
      '(a 503 naming the database; rate limits counted per replica). See /health/dependencies.',
  })
  @Returns(z.object({ status: z.literal('ok') }))
  @ApiResponse({
    status: 503,
    ...errorResponse(503),
    description: 'Shutting down: requests are still served while clients move to other replicas.',
  })
  ready() {
    if (this.readiness.draining)
      throw new HttpException(
        { message: 'shutting down: this replica is draining, send new requests elsewhere' },
        503,
      );
    return { status: 'ok' };
  }

  @Get('dependencies')
  @Access('public')
  @ApiOperation({
    operationId: 'getDependencyHealth',
    summary: 'Diagnostics: whether the database and Redis answer (not a probe)',
    description:
      `Each check waits at most ${DEPENDENCY_CHECK_TIMEOUT_MS} ms. For people and monitoring; ` +
      'never use it as a readiness or liveness probe: an outage would take every replica offline.',
  })
  @Returns(dependencyReportSchema, 200, 'Every dependency answers')
  @Returns(
    dependencyReportSchema,
    503,
    'A dependency does not answer: its check says which and why',
  )
  async dependencies(@Res({ passthrough: true }) reply: FastifyReply) {
    const report = await checkDependencies(this.model, this.redis);
    if (report.status !== 'ok') void reply.status(503);
    return { ...report, heldTokenSets: this.tokenSets.pending };
  }
}
