import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { reevaluationKeys, type ReevaluationRequest } from '@xero-access/model';

/** Publishes re-evaluation requests; the contract (keys, message) lives in @xero-access/model. */
export class ReevaluationPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /** Asks the reconciler to re-run the checks of these connections now. Never throws. */
  async request(
    connections: readonly string[],
    reason: string,
  ): Promise<ReevaluationRequest | null> {
    const unique = [...new Set(connections)].sort();
    if (unique.length === 0) return null;
    const message: ReevaluationRequest = {
      connections: unique,
      reason,
      at: new Date().toISOString(),
    };
    try {
      await this.redis
        .multi()
        .sadd(reevaluationKeys(this.prefix).pending, ...unique)
        .publish(reevaluationKeys(this.prefix).channel, JSON.stringify(message))
        .exec();
    } catch (error) {
      // The next scheduled sync re-evaluates anyway; the change itself is already saved.
      this.logger.warn(
        { err: error, connections: unique, reason },
        'could not request re-evaluation',
      );
      return null;
    }
    return message;
  }
}
