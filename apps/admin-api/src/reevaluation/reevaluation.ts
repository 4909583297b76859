import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The re-evaluation contract with the reconciler (see README, "Re-evaluation"):
 * - `SADD <prefix>reevaluate:pending <namespace/name>…`: durable, the reconciler drains it with
 *   SPOP, so nothing is lost while it is down;
 * - `PUBLISH <prefix>reevaluate <json>`: wakes it at once; json = {connections, reason, at}.
 */
export interface ReevaluationRequest {
  connections: string[];
  reason: string;
  at: string;
}

export const reevaluateChannel = (prefix: string) => `${prefix}reevaluate`;
export const reevaluatePendingSet = (prefix: string) => `${prefix}reevaluate:pending`;

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
        .sadd(reevaluatePendingSet(this.prefix), ...unique)
        .publish(reevaluateChannel(this.prefix), JSON.stringify(message))
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
