import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { reevaluationKeys, type ReevaluationRequest } from '@xero-access/model';
import { retryWithinBudget, type RetryBudget } from './retry-within-budget.js';

/** What became of a request, as the responses of staff and link changes report it. */
export interface ReevaluationOutcome {
  /** Connections the reconciler was asked to re-evaluate now. */
  reevaluated: string[];
  /**
   * Connections the change touches that Redis did not take the request for within the retry
   * budget: their next scheduled sync re-evaluates them.
   */
  notReevaluated: string[];
}

/**
 * A Redis failover or restart takes a few seconds: long enough to wait for, in a request that
 * has saved its change already, and short enough for identity providers' SCIM timeouts.
 */
export const REEVALUATION_RETRY: RetryBudget = {
  budgetMs: 5_000,
  firstDelayMs: 250,
  maxDelayMs: 1_000,
};

export interface ReevaluationPublisherOptions {
  /** Counts each request given up on (xao_admin_reevaluation_requests_failed_total). */
  failures?: { inc(): void };
  retry?: RetryBudget;
}

/** Publishes re-evaluation requests; the contract (keys, message) lives in @xero-access/model. */
export class ReevaluationPublisher {
  private readonly retry: RetryBudget;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly options: ReevaluationPublisherOptions = {},
  ) {
    this.retry = options.retry ?? REEVALUATION_RETRY;
  }

  /**
   * Asks the reconciler to re-run the checks of these connections now, trying again while Redis
   * does not answer, for up to the retry budget. Never throws: the change is saved already.
   * `requestId`: the API request that asks (carried in the message and logged by the reconciler).
   */
  async request(
    connections: readonly string[],
    reason: string,
    requestId?: string,
  ): Promise<ReevaluationOutcome> {
    const unique = [...new Set(connections)].sort();
    if (unique.length === 0) return { reevaluated: [], notReevaluated: [] };
    const message: ReevaluationRequest = {
      connections: unique,
      reason,
      at: new Date().toISOString(),
      ...(requestId ? { requestId } : {}),
    };
    const reqId = requestId ? { reqId: requestId } : {};
    const outcome = await retryWithinBudget(
      () => this.publish(message),
      this.retry,
      (error, attempts) =>
        this.logger.debug(
          { err: error, attempts, reason, ...reqId },
          're-evaluation request failed',
        ),
    );
    if (outcome.ok) {
      if (outcome.attempts > 1)
        this.logger.info(
          { connections: unique, reason, attempts: outcome.attempts, ...reqId },
          'requested re-evaluation after Redis failed to answer',
        );
      return { reevaluated: unique, notReevaluated: [] };
    }
    this.options.failures?.inc();
    this.logger.error(
      { err: outcome.error, connections: unique, reason, attempts: outcome.attempts, ...reqId },
      'could not request re-evaluation: these connections are re-evaluated at their next scheduled sync',
    );
    return { reevaluated: [], notReevaluated: unique };
  }

  private async publish(message: ReevaluationRequest): Promise<void> {
    const keys = reevaluationKeys(this.prefix);
    const replies = await this.redis
      .multi()
      .sadd(keys.pending, ...message.connections)
      .publish(keys.channel, JSON.stringify(message))
      .exec();
    // EXEC answers each command's error beside its reply, and null for a discarded transaction.
    if (!replies) throw new Error('Redis discarded the transaction');
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
  }
}
