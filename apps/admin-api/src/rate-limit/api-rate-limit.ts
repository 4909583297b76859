import { HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { ErrorBody } from '../http/errors.js';
import { AtMostEvery, OUTAGE_REMINDER_MS } from '../logging/at-most-every.js';

const WINDOW_SECONDS = 60;

export interface ApiRateLimitOptions {
  redis: Redis;
  /** Redis key prefix of this limit's counters, e.g. `xao:api-rl:ip`. */
  keyPrefix: string;
  perMinute: number;
  /** What one counter stands for, in the 429 message: `client IP`, `credential`. */
  per: string;
  logger: Logger;
}

/**
 * A per-minute limit counted in Redis, so every replica shares it. While Redis is unavailable
 * each replica counts alone, in memory (logged at warn every 30 s): an outage must neither take
 * the API down nor lift the limit.
 */
export class ApiRateLimit {
  private readonly limiter: RateLimiterRedis;
  private readonly duringOutage: RateLimiterMemory;
  private readonly outageReport = new AtMostEvery(OUTAGE_REMINDER_MS);

  constructor(private readonly options: ApiRateLimitOptions) {
    this.limiter = new RateLimiterRedis({
      storeClient: options.redis,
      keyPrefix: options.keyPrefix,
      points: options.perMinute,
      duration: WINDOW_SECONDS,
      // Not queued behind a reconnecting Redis: counted in memory at once (consume).
      rejectIfRedisNotReady: true,
    });
    this.duringOutage = new RateLimiterMemory({
      keyPrefix: options.keyPrefix,
      points: options.perMinute,
      duration: WINDOW_SECONDS,
    });
  }

  /** Counts one request against `key` and sets the rate-limit headers; a 429 past the limit. */
  async enforce(key: string, reply: FastifyReply): Promise<void> {
    let counted: RateLimiterRes;
    try {
      counted = await this.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      this.setHeaders(reply, 0, retryAfter, true);
      void reply.header('retry-after', String(retryAfter));
      const { perMinute, per } = this.options;
      throw new HttpException(
        {
          statusCode: 429,
          error: 'Too Many Requests',
          message: `rate limit of ${perMinute} requests per minute per ${per} exceeded; retry in ${retryAfter} s`,
        } satisfies ErrorBody,
        429,
      );
    }
    this.setHeaders(reply, counted.remainingPoints, Math.ceil(counted.msBeforeNext / 1000));
  }

  /** Two limits may count a request: the headers show the one with the fewest requests left. */
  private setHeaders(reply: FastifyReply, remaining: number, resetSeconds: number, force = false) {
    const shown = reply.getHeader('x-ratelimit-remaining');
    if (!force && shown !== undefined && Number(shown) <= remaining) return;
    void reply
      .header('x-ratelimit-limit', String(this.options.perMinute))
      .header('x-ratelimit-remaining', String(remaining))
      .header('x-ratelimit-reset', String(resetSeconds));
  }

  /** Resolves with the points left, rejects with a RateLimiterRes past the limit. */
  private async consume(key: string): Promise<RateLimiterRes> {
    try {
      return await this.limiter.consume(key);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw error;
      this.reportOutage(error);
      return this.duringOutage.consume(key);
    }
  }

  private reportOutage(error: unknown): void {
    if (!this.outageReport.due()) return;
    this.options.logger.warn(
      { err: error, limit: `per ${this.options.per}` },
      'Redis is unavailable: API rate limits are counted by each replica alone until it is back',
    );
  }
}
