import {
  DatabaseUnavailableError,
  safeErrorMessage,
  withDatabase,
  type Database,
  type DatabaseUser,
  type WebhookDeliveryRecord,
} from '@xero-access/model';
import type { Logger } from '../logging/logger.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signPayload,
} from './webhook-signature.js';

export interface WebhookSenderOptions {
  db: Database;
  /** Where the database is, for the log line while it is not available (reconcilerDatabase). */
  database: DatabaseUser;
  /** The signing secret for a delivery (per namespace or global); none: the delivery fails. */
  secretFor(delivery: WebhookDeliveryRecord): Promise<string | undefined>;
  logger: Logger;
  pollMs?: number;
  timeoutMs?: number;
  /** Attempts before a delivery is marked failed. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  onAttempt?(result: 'delivered' | 'retry' | 'failed'): void;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 10 * 60_000, jitter: 0.2 };

/**
 * Sends due deliveries from the delivery log: JSON body, HMAC-SHA256 signature header, retries
 * with exponential backoff on network errors and non-2xx answers, every attempt recorded. While
 * the database is not available the pass stops and the next poll tries again (a delivery sent
 * but not yet recorded is sent again: receivers deduplicate by the delivery id header).
 */
export class WebhookSender {
  private stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: WebhookSenderOptions) {}

  start(): void {
    if (this.loop) return;
    this.stopController = new AbortController();
    this.loop = this.run();
  }

  /** Deliver now rather than at the next poll (after new alerts were enqueued). */
  kick(): void {
    this.wake?.();
  }

  /** Stops the loop; a delivery in flight is aborted (not recorded: it stays due). */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** One pass over what is due; returns how many deliveries were attempted. */
  async deliverDue(now = new Date()): Promise<number> {
    const due = await this.database(() => this.options.db.webhooks.due(now, 50));
    for (const delivery of due) {
      if (this.stopController.signal.aborted) break;
      await this.deliver(delivery);
    }
    return due.length;
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 5_000;
    while (!this.stopController.signal.aborted) {
      try {
        await this.deliverDue();
      } catch (error) {
        if (error instanceof DatabaseUnavailableError)
          this.options.logger.warn(
            {
              reason: 'DatabaseUnavailable',
              database: error.database,
              kind: error.kind,
              cause: error.causeCode,
              retryInMs: pollMs,
            },
            'webhook delivery pass waits for the database; retrying',
          );
        else this.options.logger.warn({ err: error }, 'webhook delivery pass failed');
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void sleep(pollMs, this.stopController.signal).then(resolve);
      });
    }
  }

  /** A database call: an outage becomes DatabaseUnavailableError (codes only, no SQL). */
  private database<T>(call: () => Promise<T>): Promise<T> {
    return withDatabase(this.options.database, call);
  }

  private async deliver(delivery: WebhookDeliveryRecord): Promise<void> {
    const stopping = this.stopController.signal;
    const secret = await this.options.secretFor(delivery);
    if (!secret) {
      await this.database(() =>
        this.options.db.webhooks.recordAttempt(delivery.id, {
          ok: false,
          error: 'no signing secret is configured for this target any more',
          nextAttemptAt: null,
        }),
      );
      this.options.onAttempt?.('failed');
      return;
    }
    const body = JSON.stringify(delivery.payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(delivery.target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'xero-access-operator-reconciler',
          [SIGNATURE_HEADER]: signPayload(secret, timestamp, body),
          [TIMESTAMP_HEADER]: timestamp,
          [EVENT_HEADER]: delivery.eventType,
          [DELIVERY_HEADER]: delivery.id,
        },
        body,
        // Stopping aborts it: a receiver that does not answer must not hold up the Lease release.
        signal: AbortSignal.any([stopping, AbortSignal.timeout(this.options.timeoutMs ?? 10_000)]),
      });
      const status = response.status;
      statusCode = status;
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) {
        await this.database(() =>
          this.options.db.webhooks.recordAttempt(delivery.id, { ok: true, statusCode: status }),
        );
        this.options.onAttempt?.('delivered');
        return;
      }
      error = `HTTP ${statusCode}`;
    } catch (e) {
      // Cut short by stopping: not an attempt. It stays due, and the next leader sends it again.
      if (statusCode === null && stopping.aborted) {
        this.options.logger.info(
          { delivery: delivery.id, event: delivery.eventType, target: delivery.target },
          'webhook delivery aborted by stopping: it is sent again later',
        );
        return;
      }
      // Recording the success is in this try too: a database error's message holds its SQL.
      error = e instanceof Error ? `${e.name}: ${safeErrorMessage(e)}` : String(e);
    }
    const attempts = delivery.attempts + 1;
    const giveUp = attempts >= (this.options.maxAttempts ?? 8);
    const nextAttemptAt = giveUp
      ? null
      : new Date(Date.now() + backoffDelay(attempts - 1, this.options.backoff ?? DEFAULT_BACKOFF));
    await this.database(() =>
      this.options.db.webhooks.recordAttempt(delivery.id, {
        ok: false,
        statusCode,
        error,
        nextAttemptAt,
      }),
    );
    this.options.onAttempt?.(giveUp ? 'failed' : 'retry');
    this.options.logger.warn(
      {
        delivery: delivery.id,
        event: delivery.eventType,
        target: delivery.target,
        error,
        attempts,
        giveUp,
      },
      'webhook delivery failed',
    );
  }
}
