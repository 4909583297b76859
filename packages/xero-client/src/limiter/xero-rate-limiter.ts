import { randomUUID } from 'node:crypto';
import { type Redis } from 'ioredis';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { xeroErrors } from '../errors.js';
import { silentLogger, type XeroLogger } from '../logger.js';
import {
  DEFAULT_TUNING,
  XERO_LIMITS,
  fallbackShare,
  safetyMargin,
  type LimiterTuning,
  type XeroLimits,
} from './config.js';
import { PauseBoard } from './pauses.js';
import {
  isFromRedis,
  pointBucketOf,
  readyWaitersOf,
  RedisLeaseLimiter,
  RedisSlidingWindowLimiter,
} from './redis-stores.js';
import { SlotQueue, type Attempt } from './slot-queue.js';

export interface XeroRateLimiterOptions {
  /** ioredis client; see `createLimiterRedis` for the recommended options. */
  redis: Redis;
  /** Every process sharing this prefix shares the budget (use the same value in both apps). */
  keyPrefix?: string;
  limits?: Partial<XeroLimits>;
  tuning?: Partial<LimiterTuning>;
  logger?: XeroLogger;
}

/** What a call is charged to: the app (client id) and, for accounting calls, the tenant. */
export interface CallScope {
  appId: string;
  tenantId?: string;
  /**
   * Identity calls (token endpoint): charged to the extra caps only. Xero does not count them in
   * its per-tenant and per-app limits, but an integration in front of Xero counts every request it
   * passes on. Such a call neither waits for a pause after a 429 to an API call nor causes one.
   */
  extraCapsOnly?: boolean;
  /** For error messages only. */
  operation?: string;
}

/**
 * A granted slot. When the call is over (answered or failed): `release()` frees the in-flight
 * slot at once, then `XeroRateLimiter.settle()` dates the call's points from then.
 */
export interface Permit {
  release(): void;
}

/** A window point a permit holds; `pointBucket`: the Redis bucket it is in (Redis grants only). */
interface HeldPoint {
  step: Step;
  res: RateLimiterRes;
  pointBucket?: number;
}

interface GrantedPermit extends Permit {
  readonly windows: readonly HeldPoint[];
}

/** Per queue: which limit refused the last attempt. */
interface RefusalHint {
  lastRefusal?: string;
}

function isGranted(permit: Permit): permit is GrantedPermit {
  return 'windows' in permit;
}

/** The permit of a call charged to nothing (an identity call without extra caps). */
const NOTHING_HELD: GrantedPermit = { windows: [], release: () => undefined };

/**
 * The Xero headers that tell how much budget is left: they reveal calls made outside this Redis
 * (another deployment of the same app, a different key prefix).
 */
export interface RemainingHeaders {
  minute?: number;
  day?: number;
  appMinute?: number;
}

export type RateLimitProblem = 'minute' | 'day' | 'appminute' | 'concurrent';

interface Step {
  limiter: RedisSlidingWindowLimiter | RedisLeaseLimiter;
  key: string;
  name: string;
  options: object;
}

/**
 * Xero's limits (per app per tenant: in flight, per minute, per day; per app per minute) plus
 * configured extra caps, shared by every process through Redis. API calls are charged to all of
 * them; identity calls (`extraCapsOnly`) to the extra caps alone. Callers queue for a slot instead
 * of failing.
 */
export class XeroRateLimiter {
  readonly limits: XeroLimits;
  readonly tuning: LimiterTuning;
  private readonly tenantMinute: RedisSlidingWindowLimiter;
  private readonly tenantDay: RedisSlidingWindowLimiter;
  private readonly appMinute: RedisSlidingWindowLimiter;
  private readonly caps: { id: string; limiter: RedisSlidingWindowLimiter }[];
  private readonly concurrency: RedisLeaseLimiter;
  private readonly pauses: PauseBoard;
  private readonly queues = new Map<string, SlotQueue<Permit>>();
  private readonly logger: XeroLogger;
  private readonly redis: Redis;
  private redisWasReady: boolean;

  constructor(options: XeroRateLimiterOptions) {
    this.limits = { ...XERO_LIMITS, ...options.limits };
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.logger = options.logger ?? silentLogger;
    this.redis = options.redis;
    this.redisWasReady = this.redis.status === 'ready';
    const prefix = options.keyPrefix ?? 'xero-rl';
    const window = (name: string, points: number, windowMs: number) =>
      new RedisSlidingWindowLimiter({
        client: options.redis,
        keyPrefix: `${prefix}:${name}`,
        points,
        windowMs: windowMs + safetyMargin(windowMs, this.tuning),
        fallbackPoints: fallbackShare(points, this.tuning),
        buckets: this.tuning.bucketsPerWindow,
      });
    const { limits } = this;
    this.tenantMinute = window('tenant-minute', limits.tenantPerMinute, limits.minuteWindowMs);
    this.tenantDay = window('tenant-day', limits.tenantPerDay, limits.dayWindowMs);
    this.appMinute = window('app-minute', limits.appPerMinute, limits.minuteWindowMs);
    this.caps = limits.extraCaps.map((cap) => ({
      id: cap.id,
      limiter: window(`cap`, cap.points, cap.windowMs),
    }));
    this.concurrency = new RedisLeaseLimiter({
      client: options.redis,
      keyPrefix: `${prefix}:tenant-inflight`,
      points: limits.tenantConcurrent,
      windowMs: this.tuning.leaseMs,
      fallbackPoints: fallbackShare(limits.tenantConcurrent, this.tuning),
    });
    this.pauses = new PauseBoard(options.redis, prefix);
  }

  /**
   * Waits for a slot under every limit that applies to the call; fails with RateLimited when the
   * next slot frees after `maxWaitMs`, or after `waitUntil` (the caller's own deadline).
   */
  acquire(scope: CallScope, signal?: AbortSignal, waitUntil?: Date): Promise<Permit> {
    // Nothing to charge: no Redis round trip, no queue.
    if (scope.extraCapsOnly && this.caps.length === 0) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      return Promise.resolve(NOTHING_HELD);
    }
    // A queue charges one set of limits: calls charged to the extra caps only queue apart.
    const queueKey = `${scope.appId}\u0000${scope.tenantId ?? ''}\u0000${scope.extraCapsOnly ? 'caps' : 'xero'}`;
    let queue = this.queues.get(queueKey);
    if (!queue) {
      const hint: RefusalHint = {};
      const created: SlotQueue<Permit> = new SlotQueue<Permit>(
        () => this.tryAcquire(scope, hint, () => created.notifyRelease()),
        (waiter, waitMs, limit) =>
          waiter.reject(
            xeroErrors.rateLimited(
              waiter.operation ?? 'a Xero call',
              new Date(Date.now() + waitMs),
              limit,
              scope.tenantId,
            ),
          ),
        () => {
          if (this.queues.get(queueKey) === created) this.queues.delete(queueKey);
        },
        (permit) => permit.release(),
      );
      queue = created;
      this.queues.set(queueKey, queue);
    }
    const target = queue;
    return new Promise<Permit>((resolve, reject) =>
      target.enqueue(
        {
          resolve,
          reject,
          deadline: Math.min(
            Date.now() + this.tuning.maxWaitMs,
            waitUntil?.getTime() ?? Number.POSITIVE_INFINITY,
          ),
          operation: scope.operation,
        },
        signal,
      ),
    );
  }

  /**
   * The call a permit was granted for is over. Its window points now count from this moment
   * (Xero admitted the call somewhere between grant and answer, and the next call must not reach
   * Xero less than a window after it), and Xero's remaining-budget headers, if any, reveal calls
   * somebody else spent on the same tenant or app: they are recorded too. Never throws.
   */
  async settle(scope: CallScope, permit: Permit, remaining: RemainingHeaders = {}): Promise<void> {
    if (!isGranted(permit)) return;
    const serverRemaining = (step: Step): number | undefined => {
      if (step.limiter === this.tenantMinute) return remaining.minute;
      if (step.limiter === this.tenantDay) return remaining.day;
      if (step.limiter === this.appMinute) return remaining.appMinute;
      return undefined;
    };
    const settled = await Promise.allSettled(
      permit.windows
        .filter((point) => point.pointBucket !== undefined)
        .map((point) => this.settleOne(point, serverRemaining(point.step) ?? -1)),
    );
    const added = settled.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value : 0), 0);
    if (added > 0) {
      this.logger.debug(
        { tenantId: scope.tenantId, added },
        'Xero reports budget spent elsewhere; recorded',
      );
    }
  }

  /**
   * While a call is in flight its points are re-dated to "now" every third of the shortest
   * window, so they cannot expire before Xero has even counted a slow call. Returns the stop
   * function; call it before the final settle.
   */
  track(scope: CallScope, permit: Permit): () => void {
    if (!isGranted(permit) || permit.windows.length === 0) return () => undefined;
    const timer = setInterval(() => void this.settle(scope, permit), this.redateEveryMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private get redateEveryMs(): number {
    const windows = [this.limits.minuteWindowMs, ...this.limits.extraCaps.map((c) => c.windowMs)];
    return Math.max(10, Math.floor(Math.min(...windows) / 3));
  }

  /**
   * A settle that does not reach Redis leaves the call dated from its grant, which is too early
   * if the request was slow to arrive: retry it a few times (moving later is always safe).
   */
  private async settleOne(point: HeldPoint, serverRemaining: number): Promise<number> {
    const { step } = point;
    const limiter = step.limiter as RedisSlidingWindowLimiter;
    for (let attempt = 1; ; attempt++) {
      try {
        const settled = await limiter.settle(step.key, point.pointBucket!, serverRemaining);
        point.pointBucket = settled.pointBucket;
        return settled.added;
      } catch (error) {
        if (attempt >= 3) {
          this.logger.warn(
            { limit: step.name, cause: (error as Error).message },
            'could not date a call from its answer in Redis; it counts from its grant',
          );
          throw error;
        }
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }

  /**
   * Xero answered 429: every process pauses this app's calls to the tenant (or all of the app's
   * calls, for `appminute`). Other apps calling the tenant have limits of their own.
   */
  async pause(
    scope: CallScope,
    problem: RateLimitProblem | string,
    retryAfterMs: number,
  ): Promise<void> {
    const target =
      problem === 'appminute' || scope.tenantId === undefined
        ? this.appScope(scope)
        : this.tenantScope(scope);
    this.logger.warn(
      { tenantId: scope.tenantId, problem, retryAfterMs },
      'Xero answered 429; pausing',
    );
    await this.pauses.pause(target, retryAfterMs);
  }

  private appScope(scope: CallScope): string {
    return `app:${scope.appId}`;
  }

  private tenantScope(scope: CallScope): string {
    return `tenant:${this.tenantKey(scope)}`;
  }

  /** Xero counts the tenant limits per app per tenant: each app's calls to a tenant on their own. */
  private tenantKey(scope: CallScope): string {
    return `${encodeURIComponent(scope.appId)}:${scope.tenantId ?? ''}`;
  }

  private steps(scope: CallScope, leaseId: string): Step[] {
    const steps: Step[] = [];
    if (!scope.extraCapsOnly && scope.tenantId !== undefined) {
      const key = this.tenantKey(scope);
      steps.push({ limiter: this.concurrency, key, name: 'concurrent', options: { leaseId } });
      steps.push({ limiter: this.tenantMinute, key, name: 'minute', options: {} });
      steps.push({ limiter: this.tenantDay, key, name: 'day', options: {} });
    }
    if (!scope.extraCapsOnly)
      steps.push({ limiter: this.appMinute, key: scope.appId, name: 'appminute', options: {} });
    for (const cap of this.caps)
      steps.push({ limiter: cap.limiter, key: cap.id, name: `cap ${cap.id}`, options: {} });
    return steps;
  }

  private lastFallbackLog = 0;

  /** A Redis command failed (or timed out) while connected: the in-memory share answered. */
  private noteFallback(): void {
    if (Date.now() - this.lastFallbackLog < 10_000) return;
    this.lastFallbackLog = Date.now();
    this.logger.warn(
      { redisStatus: this.redis.status },
      'Redis did not answer in time: using the in-memory share of the limits',
    );
  }

  private noteRedisState(): void {
    const ready = this.redis.status === 'ready';
    if (ready !== this.redisWasReady) {
      this.redisWasReady = ready;
      if (ready) this.logger.info({}, 'Redis is back: rate limits are shared again');
      else
        this.logger.warn(
          {},
          'Redis is unavailable: each process now uses its in-memory share of the limits',
        );
    }
  }

  /**
   * A concurrency refusal: a slot frees when a call in this process ends (which wakes the queue),
   * when one in another process ends (seen by polling), or when a crashed holder's lease expires.
   * The in-memory fallback answers -1 (no expiry): only a release or the poll can help.
   */
  private concurrencyWaitMs(msBeforeLeaseExpiry: number): number {
    const poll = this.tuning.concurrencyPollMs;
    return msBeforeLeaseExpiry > 0 ? Math.min(msBeforeLeaseExpiry, poll) : poll;
  }

  /**
   * The in-memory share refused an attempt. Its wait (the share's drain time: half a window when
   * the share is 2 of 4) says nothing about the shared budget, so the queue asks Redis again as
   * soon as the connection is ready: at a process's start the first calls come before it is, and
   * would otherwise sleep that long right after it connected. When the connection was not ready
   * for the attempt but is now, it asks at once; when it was ready (a command failed or timed
   * out), only at its next `ready`, so a failing command is not retried in a loop.
   */
  private wakeWhenRedisReady(readyAtStart: boolean): (wake: () => void) => () => void {
    return (wake) => {
      if (!readyAtStart && this.redis.status === 'ready') {
        wake();
        return () => undefined;
      }
      return readyWaitersOf(this.redis).onNextReady(wake);
    };
  }

  private async tryAcquire(
    scope: CallScope,
    hint: RefusalHint,
    onRelease: () => void,
  ): Promise<Attempt<Permit>> {
    this.noteRedisState();
    const readyAtStart = this.redis.status === 'ready';
    // A 429 to an API call pauses Xero's limits, which identity calls are not charged to.
    if (!scope.extraCapsOnly) {
      const scopes = [this.appScope(scope)];
      if (scope.tenantId !== undefined) scopes.push(this.tenantScope(scope));
      const pausedMs = await this.pauses.remainingMs(scopes);
      if (pausedMs > 0)
        return {
          granted: false,
          waitMs: pausedMs,
          limit: 'paused after 429',
          wakeOnRelease: false,
        };
    }

    const leaseId = randomUUID();
    const held: HeldPoint[] = [];
    // A refund names the bucket its point went to, so it never takes another call's point.
    const undoAll = () =>
      Promise.all(held.map(({ step, res }) => step.limiter.undo(step.key, res, step.options)));
    const steps = this.steps(scope, leaseId);
    // Ask first the limit that refused this queue last time: while it stays exhausted, an
    // attempt costs one Redis call instead of taking and giving back every other limit.
    const first = steps.findIndex((step) => step.name === hint.lastRefusal);
    if (first > 0) steps.unshift(...steps.splice(first, 1));
    for (const step of steps) {
      try {
        const res = await step.limiter.consume(step.key, 1, step.options);
        if (!isFromRedis(res)) this.noteFallback();
        held.push({ step, res, pointBucket: pointBucketOf(res) });
      } catch (rejection) {
        await undoAll();
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        hint.lastRefusal = step.name;
        const concurrent = step.limiter === this.concurrency;
        const waitMs = concurrent
          ? this.concurrencyWaitMs(rejection.msBeforeNext)
          : Math.max(1, rejection.msBeforeNext);
        return {
          granted: false,
          waitMs,
          limit: step.name,
          wakeOnRelease: concurrent,
          ...(isFromRedis(rejection) ? {} : { wakeOn: this.wakeWhenRedisReady(readyAtStart) }),
        };
      }
    }
    const lease = held.find((h) => h.step.limiter === this.concurrency);
    let released = false;
    const permit: GrantedPermit = {
      windows: held.filter((h) => h !== lease),
      release: () => {
        if (released) return;
        released = true;
        if (!lease) return;
        void lease.step.limiter.undo(lease.step.key, lease.res, lease.step.options).then(onRelease);
      },
    };
    return { granted: true, permit };
  }
}
