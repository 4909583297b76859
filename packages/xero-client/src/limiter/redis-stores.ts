import { type Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { LEASE_SCRIPT, WINDOW_SCRIPT } from './lua.js';
import { MemoryFallbackLimiter } from './memory-fallback.js';

/**
 * rate-limiter-flexible's RateLimiterRedis counts fixed windows that start at a key's first call.
 * Xero's windows need not start when ours do, and at a boundary two fixed windows allow twice
 * the limit within one minute: Xero would answer 429. These subclasses keep everything
 * rate-limiter-flexible gives (key prefixes, the `rejectIfRedisNotReady` check, the in-memory
 * `insuranceLimiter` taking over while Redis is away) and replace only the Redis operation
 * (`_upsert`) with a sliding window and with expiring leases.
 */

interface RedisInternals {
  _isRedisReady(rlKey: string, isReadonly: boolean): boolean;
}

/** {total, ms to wait or points added, and for a window the bucket the points went to}. */
type ScriptResult = [number, number, number?];
type ScriptCommand = (key: string, ...args: (string | number)[]) => Promise<ScriptResult>;

function defineScripts(client: Redis): { xaoWindow: ScriptCommand; xaoLease: ScriptCommand } {
  const scripted = client as unknown as { xaoWindow?: ScriptCommand; xaoLease?: ScriptCommand };
  if (!scripted.xaoWindow)
    client.defineCommand('xaoWindow', { numberOfKeys: 1, lua: WINDOW_SCRIPT });
  if (!scripted.xaoLease) client.defineCommand('xaoLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
  return client as unknown as { xaoWindow: ScriptCommand; xaoLease: ScriptCommand };
}

/** Results that came from Redis (not from the insurance limiter), to undo them in the same store. */
const fromRedis = new WeakSet<object>();

/** For a window point Redis granted: the bucket it went to, which settling it must name. */
const pointBuckets = new WeakMap<object, number>();

export function isFromRedis(res: RateLimiterRes): boolean {
  return fromRedis.has(res);
}

export function pointBucketOf(res: RateLimiterRes): number | undefined {
  return pointBuckets.get(res);
}

interface StoreOptions {
  client: Redis;
  keyPrefix: string;
  points: number;
  /** Effective window (including the safety margin) or lease length. */
  windowMs: number;
  /** Points allowed to this process while Redis is away. */
  fallbackPoints: number;
}

abstract class ScriptedRedisLimiter extends RateLimiterRedis {
  protected readonly scripts: { xaoWindow: ScriptCommand; xaoLease: ScriptCommand };
  protected readonly windowMs: number;
  readonly insurance: MemoryFallbackLimiter;

  constructor(options: StoreOptions, fallbackDurationSec: number) {
    const insurance = new MemoryFallbackLimiter({
      keyPrefix: `${options.keyPrefix}:fallback`,
      points: options.fallbackPoints,
      duration: fallbackDurationSec,
    });
    super({
      storeClient: options.client,
      keyPrefix: options.keyPrefix,
      points: options.points,
      duration: Math.max(1, Math.ceil(options.windowMs / 1000)),
      rejectIfRedisNotReady: true,
      insuranceLimiter: insurance,
    });
    this.insurance = insurance;
    this.windowMs = options.windowMs;
    this.scripts = defineScripts(options.client);
  }

  protected assertReady(rlKey: string): void {
    if (!(this as unknown as RedisInternals)._isRedisReady(rlKey, false)) {
      throw new Error('Redis connection is not ready');
    }
  }

  /** Gives back what a consume took, in the store (and window bucket) that granted it. Never throws. */
  async undo(key: string, granted: RateLimiterRes, options: object = {}): Promise<void> {
    try {
      if (isFromRedis(granted))
        await this._upsert(this.getKey(key), -1, 0, false, {
          ...options,
          pointBucket: pointBucketOf(granted),
        });
      else await this.insurance.reward(key, 1);
    } catch {
      this.undoFailed(key, options);
    }
  }

  /** Redis went away before a point it granted was given back. */
  protected undoFailed(_key: string, _options: object): void {
    // A window point expires with its window.
  }

  abstract _upsert(
    rlKey: string,
    points: number,
    ms: number,
    forceExpire?: boolean,
    options?: object,
  ): Promise<ScriptResult>;

  // Called by rate-limiter-flexible with the Redis result; marks where the result came from.
  _getRateLimiterRes(rlKey: string, changedPoints: number, result: ScriptResult): RateLimiterRes {
    const [total, wait, bucket] = result;
    const res = (
      RateLimiterRedis.prototype as unknown as {
        _getRateLimiterRes(k: string, p: number, r: [number, number]): RateLimiterRes;
      }
    )._getRateLimiterRes.call(this, rlKey, changedPoints, [total, wait]);
    fromRedis.add(res);
    if (bucket !== undefined) pointBuckets.set(res, bucket);
    return res;
  }
}

export interface WindowOptions {
  /** Add the points even above the limit (a correction: somebody else spent them). */
  force?: boolean;
  /** Refund: the bucket the points went to, as the consume reported it. */
  pointBucket?: number;
}

/** A sliding window of `points` per `windowMs`, shared through Redis. */
export class RedisSlidingWindowLimiter extends ScriptedRedisLimiter {
  private readonly bucketMs: number;

  constructor(options: StoreOptions & { buckets: number }) {
    super(options, options.windowMs / 1000);
    this.bucketMs = Math.max(1, Math.floor(options.windowMs / options.buckets));
  }

  async _upsert(
    rlKey: string,
    points: number,
    _ms: number,
    _forceExpire = false,
    options: WindowOptions = {},
  ): Promise<ScriptResult> {
    this.assertReady(rlKey);
    const mode = points < 0 ? 'refund' : options.force ? 'force' : 'consume';
    // Every Redis grant reports its bucket; without one there is no point of ours to give back,
    // and it expires with its window.
    if (mode === 'refund' && options.pointBucket === undefined) return [0, 0];
    return this.scripts.xaoWindow(
      rlKey,
      points,
      this.windowMs,
      this.bucketMs,
      this.points,
      mode,
      0,
      options.pointBucket ?? 0,
    );
  }

  /**
   * A call whose point is in `pointBucket` (as consume or an earlier settle reported it) was
   * answered: move its point to now (Xero admitted it at some moment up to now) and, given
   * Xero's remaining count for the window (-1 = unknown), record calls somebody else spent.
   * Returns those points and the bucket the call's point is in now.
   */
  async settle(
    key: string,
    pointBucket: number,
    serverRemaining = -1,
  ): Promise<{ added: number; pointBucket: number }> {
    const rlKey = this.getKey(key);
    this.assertReady(rlKey);
    const [, added, now] = await this.scripts.xaoWindow(
      rlKey,
      0,
      this.windowMs,
      this.bucketMs,
      this.points,
      'settle',
      serverRemaining,
      pointBucket,
    );
    return { added, pointBucket: now ?? pointBucket };
  }
}

export interface LeaseOptions {
  leaseId: string;
}

/**
 * What waits for a Redis client's next `ready`: leases Redis granted whose release did not reach
 * it (released then), and queues the in-memory share refused while the client was not ready (they
 * ask Redis again then). One listener per Redis client however many limiters (one per Xero app)
 * share it; a limiter or a queue is held only while something of it waits.
 */
export class ReadyWaiters {
  private readonly releases = new Map<string, () => Promise<unknown>>();
  private readonly wakers = new Set<() => void>();

  constructor(client: Redis) {
    client.on('ready', () => {
      void this.releaseAll();
      const wakers = [...this.wakers];
      this.wakers.clear();
      for (const wake of wakers) wake();
    });
  }

  addRelease(leaseId: string, release: () => Promise<unknown>): void {
    this.releases.set(leaseId, release);
  }

  /** Calls `wake` once, at the client's next `ready`; the function returned cancels it. */
  onNextReady(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => void this.wakers.delete(wake);
  }

  private async releaseAll(): Promise<void> {
    for (const [leaseId, release] of [...this.releases]) {
      try {
        await release();
        this.releases.delete(leaseId);
      } catch {
        return; // Redis went away again: the next 'ready' retries.
      }
    }
  }
}

const readyWaiters = new WeakMap<Redis, ReadyWaiters>();

export function readyWaitersOf(client: Redis): ReadyWaiters {
  let waiters = readyWaiters.get(client);
  if (!waiters) {
    waiters = new ReadyWaiters(client);
    readyWaiters.set(client, waiters);
  }
  return waiters;
}

/** At most `points` holders at once; a holder that never releases loses its lease after windowMs. */
export class RedisLeaseLimiter extends ScriptedRedisLimiter {
  private readonly pending: ReadyWaiters;

  constructor(options: StoreOptions) {
    // duration 0: in memory a slot is held until released, however long the call takes.
    super(options, 0);
    this.pending = readyWaitersOf(options.client);
  }

  // Without this, a partition that outlives a call keeps its slot taken in Redis for leaseMs
  // (2 minutes) after Redis is back: five such calls would stop the tenant that long.
  protected override undoFailed(key: string, options: Partial<LeaseOptions>): void {
    const { leaseId } = options;
    if (leaseId)
      this.pending.addRelease(leaseId, () =>
        this._upsert(this.getKey(key), -1, 0, false, { leaseId }),
      );
  }

  async _upsert(
    rlKey: string,
    points: number,
    _ms: number,
    _forceExpire = false,
    options: Partial<LeaseOptions> = {},
  ) {
    this.assertReady(rlKey);
    if (!options.leaseId) throw new Error('a lease id is required');
    return this.scripts.xaoLease(rlKey, points, this.windowMs, this.points, options.leaseId);
  }
}
