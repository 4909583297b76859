import { Fails } from '../openapi/error-responses.js';
import { z } from 'zod';
import { Returns } from '../openapi/returns.js';
import { Controller, Get, HttpException, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ModelOrm } from '@xero-access/model';
import type { Redis } from 'ioredis';
import { Access } from '../auth/access.decorator.js';
import { MODEL } from '../database/database.module.js';
import { REDIS } from '../redis/redis.module.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(MODEL) private readonly model: ModelOrm,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Get('live')
  @Access('public')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @Returns(z.object({ status: z.literal('ok') }))
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Access('public')
  @ApiOperation({ summary: 'Readiness: the database and Redis answer' })
  @Returns(
    z.object({
      status: z.literal('ok'),
      checks: z.array(z.object({ name: z.string(), ok: z.boolean() })),
    }),
  )
  @Fails([503])
  async ready() {
    const checks = await Promise.all([
      this.check('database', () => this.model.orm.isConnected()),
      this.check('redis', async () => (await this.redis.ping()) === 'PONG'),
    ]);
    const body = { status: checks.every((c) => c.ok) ? 'ok' : 'unavailable', checks };
    if (body.status !== 'ok')
      throw new HttpException(
        { statusCode: 503, error: 'Service Unavailable', message: 'not ready', ...body },
        503,
      );
    return body;
  }

  private async check(
    name: string,
    probe: () => Promise<boolean>,
  ): Promise<{ name: string; ok: boolean }> {
    try {
      return {
        name,
        ok: await Promise.race([
          probe(),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
        ]),
      };
    } catch {
      return { name, ok: false };
    }
  }
}
