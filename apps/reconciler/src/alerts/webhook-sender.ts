import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  DatabaseUnavailableError,
  RepeatedFailureLog,
  redactWebhookTarget,
  safeErrorMessage,
  withDatabase,
  type Database,
  type DatabaseUser,
  type DeliveryAttempt,
  type WebhookDeliveryRecord,
} from '@xero-access/model';
import type { Logger } from '../logging/logger.js';
import { describeKubeError } from '../kube/http-status.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import type { WebhookEndpoint } from './alert-targets.js';
import { postWebhook } from './webhook-post.js';
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
  /**
   * The configured endpoint (URL, signing secret) a delivery's stored target stands for; none:
   * the delivery fails. Throwing (a Secret that cannot be read) counts as a failed attempt.
   */
  endpointFor(delivery: WebhookDeliveryRecord): Promise<WebhookEndpoint | undefined>;
  logger: Logger;
  pollMs?: number;
  timeoutMs?: number;
  /** Attempts before a delivery is marked failed. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  onAttempt?(result: 'delivered' | 'retry' | 'failed'): void;
  /** How often a pass failure that goes on is logged again (REPEAT_LOG_EVERY_MS, 5 min). */
  repeatLogEveryMs?: number;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 10 * 60_000, jitter: 0.2 };
const DEFAULT_TIMEOUT_MS = 10_000;
/** Deliveries attempted per pass. */
const PASS_LIMIT = 50;
/**
 * A claim lasts the POST's timeout and this much more: reading the endpoint (a namespace's Secret),
 * recording the attempt, and clocks of two replicas a few seconds apart.
 */
export const CLAIM_MARGIN_MS = 30_000;
/** How long stopping waits for a claim to be handed back (else it lapses on its own). */
const RELEASE_WAIT_MS = 500;

/**
 * Sends due deliveries from the delivery log: JSON body, HMAC-SHA256 signature header (over the
 * timestamp, delivery id, event and body: webhook-signature.ts), retries with exponential backoff
 * on network errors and non-2xx answers (a redirect is one: it is not followed), every attempt
 * recorded. Each delivery is claimed in the database before it is sent
 * (`claimDue`, for the timeout plus CLAIM_MARGIN_MS), so another sender on the same database (a
 * leader overlapping this one) does not send it too; one that crashed leaves a claim that lapses.
 * While the database is not available the pass stops and the next poll tries again (a delivery
 * sent but not yet recorded is sent again once its claim lapses: receivers deduplicate by the
 * delivery id header). Logs name a target only redacted. Passes that keep failing (every poll
 * during a database outage) are logged when the failure starts or changes, then every 5 minutes
 * with a count, and once when a pass succeeds again (RepeatedFailureLog).
 */
export class WebhookSender {
  /** Who claims: this process (the pod's name and a random suffix, unique per sender). */
  readonly claimant = `${hostname().slice(0, 90)}/${randomUUID()}`;
  private stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly passFailures: RepeatedFailureLog;

  constructor(private readonly options: WebhookSenderOptions) {
    this.passFailures = new RepeatedFailureLog({
      logger: options.logger,
      recovered: 'webhook delivery passes run again',
      ...(options.repeatLogEveryMs === undefined ? {} : { everyMs: options.repeatLogEveryMs }),
    });
  }

  start(): void {
    if (this.loop) return;
    this.stopController = new AbortController();
    this.loop = this.run();
  }

  /** Deliver now rather than at the next poll (after new alerts were enqueued). */
  kick(): void {
    this.wake?.();
  }

  /** Stops the loop; a delivery in flight is aborted (not recorded, its claim handed back). */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * One pass over what is due, claiming one delivery at a time (so a claim starts as its attempt
   * does); returns how many deliveries were attempted.
   */
  async deliverDue(): Promise<number> {
    const leaseMs = this.timeoutMs + CLAIM_MARGIN_MS;
    let attempted = 0;
    while (attempted < PASS_LIMIT && !this.stopController.signal.aborted) {
      const [delivery] = await this.database(() =>
        this.options.db.webhooks.claimDue({ claimedBy: this.claimant, leaseMs }),
      );
      if (!delivery) break;
      attempted += 1;
      await this.deliver(delivery);
    }
    return attempted;
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 5_000;
    while (!this.stopController.signal.aborted) {
      try {
        await this.deliverDue();
        this.passFailures.succeeded();
      } catch (error) {
        if (error instanceof DatabaseUnavailableError)
          this.passFailures.failed(
            {
              reason: 'DatabaseUnavailable',
              database: error.database,
              kind: error.kind,
              cause: error.causeCode,
              retryInMs: pollMs,
            },
            'webhook delivery pass waits for the database; retrying',
          );
        else this.passFailures.failed({ err: error }, 'webhook delivery pass failed');
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

  /**
   * Records this sender's attempt; false when the row was not its to write any more (delivered
   * already, or its claim lapsed and another sender took the delivery over), which is logged.
   */
  private async record(
    delivery: WebhookDeliveryRecord,
    attempt: DeliveryAttempt,
    target: string,
  ): Promise<boolean> {
    const { recorded, delivery: stored } = await this.database(() =>
      this.options.db.webhooks.recordAttempt(delivery.id, this.claimant, attempt),
    );
    if (!recorded)
      this.options.logger.info(
        {
          delivery: delivery.id,
          event: delivery.eventType,
          target,
          ok: attempt.ok,
          status: stored.status,
          claimedBy: stored.claimedBy,
        },
        'webhook delivery attempt not recorded: the delivery is delivered already or another sender holds it',
      );
    return recorded;
  }

  /** Hands a claim back when stopping, waiting briefly: a claim not handed back lapses. */
  private async release(delivery: WebhookDeliveryRecord): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.options.db.webhooks.releaseClaim(delivery.id, this.claimant).catch(() => false),
      new Promise((resolve) => (timer = setTimeout(resolve, RELEASE_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  private async deliver(delivery: WebhookDeliveryRecord): Promise<void> {
    const stopping = this.stopController.signal;
    // Stored redacted already, but for a row an earlier version stored in full that no migrate has
    // redacted yet (its leader wrote it during the upgrade).
    const target = redactWebhookTarget(delivery.target);
    let endpoint: WebhookEndpoint | undefined;
    let error: string | null = null;
    try {
      endpoint = await this.options.endpointFor(delivery);
    } catch (e) {
      error = `the alerts Secret could not be read: ${describeKubeError(e)}`;
    }
    if (!endpoint && error === null) {
      const recorded = await this.record(
        delivery,
        {
          ok: false,
          error: 'no target with this URL and a signing secret is configured any more',
          nextAttemptAt: null,
        },
        target,
      );
      if (recorded) this.options.onAttempt?.('failed');
      return;
    }
    let statusCode: number | null = null;
    if (endpoint) {
      const body = JSON.stringify(delivery.payload);
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        const status = await postWebhook(endpoint.url, {
          headers: {
            'content-type': 'application/json',
            'user-agent': 'xero-access-operator-reconciler',
            // A retry signs the same delivery id (the row's) with its own timestamp.
            [SIGNATURE_HEADER]: signPayload(endpoint.secret, {
              timestamp,
              deliveryId: delivery.id,
              event: delivery.eventType,
              body,
            }),
            [TIMESTAMP_HEADER]: timestamp,
            [EVENT_HEADER]: delivery.eventType,
            [DELIVERY_HEADER]: delivery.id,
          },
          body,
          // Stopping aborts it: a receiver that does not answer must not hold up the Lease release.
          signal: AbortSignal.any([stopping, AbortSignal.timeout(this.timeoutMs)]),
          ...(endpoint.lookup ? { lookup: endpoint.lookup } : {}),
        });
        statusCode = status;
        if (status >= 200 && status < 300) {
          if (await this.record(delivery, { ok: true, statusCode: status }, target))
            this.options.onAttempt?.('delivered');
          return;
        }
        error =
          status >= 300 && status < 400
            ? `HTTP ${status}: a redirect, which is not followed`
            : `HTTP ${status}`;
      } catch (e) {
        // Cut short by stopping: not an attempt. It stays due, and the next leader sends it again.
        if (statusCode === null && stopping.aborted) {
          await this.release(delivery);
          this.options.logger.info(
            { delivery: delivery.id, event: delivery.eventType, target },
            'webhook delivery aborted by stopping: it is sent again later',
          );
          return;
        }
        // Recording the success is in this try too: a database error's message holds its SQL.
        error = e instanceof Error ? `${e.name}: ${safeErrorMessage(e)}` : String(e);
      }
    }
    const attempts = delivery.attempts + 1;
    const giveUp = attempts >= (this.options.maxAttempts ?? 8);
    const nextAttemptAt = giveUp
      ? null
      : new Date(Date.now() + backoffDelay(attempts - 1, this.options.backoff ?? DEFAULT_BACKOFF));
    const recorded = await this.record(
      delivery,
      { ok: false, statusCode, error: error!, nextAttemptAt },
      target,
    );
    if (!recorded) return;
    this.options.onAttempt?.(giveUp ? 'failed' : 'retry');
    this.options.logger.warn(
      { delivery: delivery.id, event: delivery.eventType, target, error, attempts, giveUp },
      'webhook delivery failed',
    );
  }
}
