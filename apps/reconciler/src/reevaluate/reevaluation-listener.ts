import { reevaluationKeys } from '@xero-access/model';
import type { Redis } from 'ioredis';
import { boundedAttempt } from '../leader/bounded-attempt.js';
import type { Logger } from '../logging/logger.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import { PendingRequests, type TakenRequests } from './pending-requests.js';
import { RequestIds } from './request-ids.js';

export interface ReevaluationListenerOptions {
  redis: Redis;
  keyPrefix: string;
  /**
   * Asks for the connection's checks to run again now (the reconciler: a sync request). Must be
   * idempotent: a request whose replica died before recording it is handled again.
   */
  reevaluate: (namespace: string, name: string, signal: AbortSignal) => Promise<void>;
  logger: Logger;
  /** Drains the pending set this often even without a message (a missed PUBLISH loses nothing). */
  drainEveryMs?: number;
  /** How long requests taken by a replica that stops answering wait before another takes them. */
  leaseMs?: number;
  /** A `reevaluate` call that has not settled by then is abandoned and retried. */
  timeoutMs?: number;
  /** Wait before retrying a failed request; doubles with each failure (jittered). */
  retry?: BackoffPolicy;
}

/** Taken at once; BATCH × the call timeout stays within the lease, so a slow batch keeps it. */
const BATCH = 10;
const LEASE_MS = 120_000;
const TIMEOUT_MS = 10_000;
const RETRY: BackoffPolicy = { baseMs: 5_000, maxMs: 300_000, jitter: 0.2 };

type Outcome = { kind: 'done' } | { kind: 'stopped' } | { kind: 'failed'; retryInMs: number };

/**
 * The reconciler's side of the re-evaluation contract (@xero-access/model), on every PUBLISH and
 * on a timer. Requests are taken with a lease and removed only once handled (`PendingRequests`),
 * so a replica that dies part-way loses none: another takes them once the lease ends. A failed
 * request is retried with backoff while the others go on (a timer wakes the listener when the
 * first one waiting is due); stopping hands back what is not done.
 */
export class ReevaluationListener {
  private subscriber: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** One timer for the first request waiting in Redis: a retry is due long before the next tick. */
  private wake: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private readonly stopping = new AbortController();
  private readonly keys: { channel: string; pending: string };
  /** Which admin API requests asked for each connection, for the log (best effort). */
  private readonly requestIds = new RequestIds();

  constructor(private readonly options: ReevaluationListenerOptions) {
    this.keys = reevaluationKeys(options.keyPrefix);
  }

  /**
   * Drains now and every `drainEveryMs` from here on, and on every PUBLISH once subscribed. Redis
   * being away holds up neither: the timer runs from the start (a drain that cannot reach Redis
   * says so and the next one tries again), and the subscriber waits for Redis as long as it takes
   * and subscribes again after each reconnect. Resolves once subscribed and drained, so while
   * Redis is away only once it is back: a caller that must not wait for Redis does not await it.
   */
  async start(): Promise<void> {
    this.timer = setInterval(() => void this.drain(), this.options.drainEveryMs ?? 30_000);
    this.timer.unref();
    await Promise.all([this.subscribe(), this.drain()]);
  }

  private async subscribe(): Promise<void> {
    // A connection of its own, for a subscriber that lives as long as the process. The shared
    // client fails a command fast by design (one retry, a 1 s timeout): a SUBSCRIBE sent while
    // Redis is away would be refused in milliseconds and never sent again. This one keeps it
    // queued until Redis answers, and ioredis subscribes again after each reconnect.
    const subscriber = this.options.redis.duplicate({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
      autoResubscribe: true,
    });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => {
      this.requestIds.note(message);
      void this.drain();
    });
    // ioredis reports every failed reconnect: say it at most every 30 s (without a stack).
    let reportedAt = 0;
    subscriber.on('error', (error: Error) => {
      if (Date.now() - reportedAt < 30_000) return;
      reportedAt = Date.now();
      this.options.logger.warn(
        { cause: error.message },
        're-evaluation subscriber lost Redis; reconnecting (requests wait in Redis meanwhile)',
      );
    });
    try {
      await subscriber.subscribe(this.keys.channel);
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      // Redis refused it (an ACL without the channel): the timer still drains every request.
      this.options.logger.warn(
        { err: error },
        'could not subscribe to re-evaluation requests; they are handled at each drain instead',
      );
    }
  }

  /** Aborts the request in flight and hands back every request taken but not handled. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.timer);
    clearTimeout(this.wake);
    this.subscriber?.disconnect();
    await this.draining;
    this.commandConnection?.disconnect();
  }

  private commandConnection: Redis | undefined;
  private pendingRequests: PendingRequests | undefined;

  private pending(): PendingRequests {
    if (!this.pendingRequests) {
      this.commandConnection = this.options.redis.duplicate({ enableOfflineQueue: true });
      // Without a listener ioredis prints "Unhandled error event" for every failed reconnect;
      // the subscriber already reports the outage.
      this.commandConnection.on('error', () => undefined);
      this.pendingRequests = new PendingRequests(this.commandConnection, this.keys.pending);
    }
    return this.pendingRequests;
  }

  /** One drain at a time; a request arriving meanwhile runs one more. */
  drain(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        await this.drainOnce();
      } while (this.again && !this.stopping.signal.aborted);
    })().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    const { logger } = this.options;
    while (!this.stopping.signal.aborted) {
      let taken: TakenRequests;
      try {
        taken = await this.pending().take(BATCH, this.options.leaseMs ?? LEASE_MS);
      } catch (error) {
        logger.warn(
          { err: error },
          'could not read re-evaluation requests; the next drain retries',
        );
        return;
      }
      if (taken.requests.length === 0) {
        this.wakeIn(taken.nextDueInMs);
        return;
      }
      if (!(await this.handleAll(taken))) return;
    }
  }

  /** Drains again when the first request left waiting is due: replaces the timer set before. */
  private wakeIn(ms: number | null): void {
    clearTimeout(this.wake);
    this.wake = undefined;
    if (ms === null || this.stopping.signal.aborted) return;
    this.wake = setTimeout(() => {
      this.wake = undefined;
      void this.drain();
    }, ms);
    this.wake.unref();
  }

  /** False when Redis failed us: the rest waits for the next drain (or the lease's end). */
  private async handleAll({ lease, requests }: TakenRequests): Promise<boolean> {
    const { logger } = this.options;
    for (const [i, { request, failures }] of requests.entries()) {
      const outcome = await this.handle(request, failures);
      try {
        if (outcome.kind === 'stopped') {
          await this.pending().release(
            lease,
            requests.slice(i).map((r) => r.request),
          );
          return false;
        }
        if (outcome.kind === 'failed') {
          await this.pending().retry(lease, request, outcome.retryInMs);
        } else {
          await this.pending().done(lease, request);
        }
      } catch (error) {
        logger.warn(
          { err: error, connection: request },
          outcome.kind === 'stopped'
            ? 'could not hand back re-evaluation requests; another replica takes them once their lease ends'
            : 'could not record a re-evaluation request as handled or failed; it is handled again once its lease ends',
        );
        return false;
      }
    }
    return true;
  }

  private async handle(request: string, failures: number): Promise<Outcome> {
    const { logger, reevaluate } = this.options;
    const [namespace, name] = request.split('/');
    if (!namespace || !name) {
      logger.warn({ key: request }, 'ignoring a re-evaluation request that is not namespace/name');
      return { kind: 'done' };
    }
    if (this.stopping.signal.aborted) return { kind: 'stopped' };
    const timeoutMs = this.options.timeoutMs ?? TIMEOUT_MS;
    let timedOut = false;
    try {
      const settled = await boundedAttempt(
        async (signal) => {
          await reevaluate(namespace, name, signal);
          return true;
        },
        timeoutMs,
        this.stopping.signal,
        () => (timedOut = true),
      );
      if (settled) {
        logger.info(
          { connection: request, ...this.requestIds.take(request) },
          're-evaluation requested',
        );
        return { kind: 'done' };
      }
      if (!timedOut) return { kind: 'stopped' };
      throw new Error(`no answer within ${timeoutMs} ms`);
    } catch (error) {
      if (this.stopping.signal.aborted && !timedOut) return { kind: 'stopped' };
      if ((error as { code?: number }).code === 404) return { kind: 'done' }; // the connection is gone
      const retryInMs = backoffDelay(failures, this.options.retry ?? RETRY);
      logger.warn(
        { err: error, connection: request, failures: failures + 1, retryInMs },
        'could not request re-evaluation; will retry',
      );
      return { kind: 'failed', retryInMs };
    }
  }
}
