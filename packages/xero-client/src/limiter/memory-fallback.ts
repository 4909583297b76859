import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

interface Entry {
  /** Points counted at `at`; a window limit drains them at points per window. */
  used: number;
  at: number;
}

interface FallbackOptions {
  keyPrefix: string;
  points: number;
  /** Window in seconds: `points` drain per window. 0 = nothing drains (leases, given back one by one). */
  duration: number;
}

/**
 * The in-memory limit a `RedisSlidingWindowLimiter` or `RedisLeaseLimiter` falls back to while
 * Redis is away: this process's share of a limit.
 *
 * - A refused consume takes nothing. (rate-limiter-flexible's `RateLimiterMemory` counts refusals
 *   too: a queue that keeps asking while the in-flight count, which never expires, is at its share
 *   pushed the count ever higher, and the tenant never got a slot again until Redis returned.)
 * - A point given back frees its slot at once.
 * - A window limit is a leaky bucket rather than a fixed window: up to `points` at once, then
 *   `points` per window spread evenly, so calls keep flowing through the window instead of a burst
 *   at its start and nothing until its end. In any rolling window it admits at most twice `points`,
 *   the same bound as a fixed window at its boundary.
 *
 * It extends `RateLimiterMemory` only to be accepted as an `insuranceLimiter`; every operation uses
 * its own map.
 */
export class MemoryFallbackLimiter extends RateLimiterMemory {
  private readonly entries = new Map<string, Entry>();
  /** Points drained per ms (0 for leases). */
  private readonly drainPerMs: number;
  private writesSinceSweep = 0;

  constructor(options: FallbackOptions) {
    super(options);
    this.drainPerMs = options.duration > 0 ? options.points / (options.duration * 1000) : 0;
  }

  /** Points currently counted for a key (for tests and diagnostics). */
  held(key: string | number): number {
    return this.current(this.getKey(key));
  }

  override consume(key: string | number, points = 1): Promise<RateLimiterRes> {
    const rlKey = this.getKey(key);
    const used = this.current(rlKey);
    if (used + points > this.points + EPSILON) {
      return Promise.reject(this.res(used, used + points, this.msUntilRoom(used + points)));
    }
    this.store(rlKey, used + points);
    return Promise.resolve(this.res(used + points, used + points, 0));
  }

  /** Counts points even above the limit (someone spent them anyway). */
  override penalty(key: string | number, points = 1): Promise<RateLimiterRes> {
    const rlKey = this.getKey(key);
    const used = this.current(rlKey) + points;
    this.store(rlKey, used);
    return Promise.resolve(this.res(used, used, 0));
  }

  /** Gives points back (frees leases); never below zero. */
  override reward(key: string | number, points = 1): Promise<RateLimiterRes> {
    const rlKey = this.getKey(key);
    const used = Math.max(0, this.current(rlKey) - points);
    this.store(rlKey, used);
    return Promise.resolve(this.res(used, used, 0));
  }

  override get(key: string | number): Promise<RateLimiterRes | null> {
    const rlKey = this.getKey(key);
    if (!this.entries.has(rlKey)) return Promise.resolve(null);
    const used = this.current(rlKey);
    return Promise.resolve(this.res(used, used, 0));
  }

  /** Sets the points counted now (`secDuration` does not apply: points drain at the window's rate). */
  override set(key: string | number, points: number): Promise<RateLimiterRes> {
    this.store(this.getKey(key), points);
    return Promise.resolve(this.res(points, points, 0));
  }

  override block(key: string | number): Promise<RateLimiterRes> {
    return this.set(key, this.points + 1);
  }

  override delete(key: string | number): Promise<boolean> {
    return Promise.resolve(this.entries.delete(this.getKey(key)));
  }

  private current(rlKey: string): number {
    const entry = this.entries.get(rlKey);
    if (!entry) return 0;
    return Math.max(0, entry.used - (Date.now() - entry.at) * this.drainPerMs);
  }

  private store(rlKey: string, used: number): void {
    if (used <= 0) this.entries.delete(rlKey);
    else this.entries.set(rlKey, { used, at: Date.now() });
    if (++this.writesSinceSweep >= 1000) this.sweep();
  }

  /** -1: nothing drains (only a release makes room). */
  private msUntilRoom(wanted: number): number {
    if (this.drainPerMs === 0) return -1;
    return Math.max(1, Math.ceil((wanted - this.points) / this.drainPerMs));
  }

  /** Drops drained keys so the map stays as small as the keys in use. */
  private sweep(): void {
    this.writesSinceSweep = 0;
    for (const rlKey of [...this.entries.keys()])
      if (this.current(rlKey) <= 0) this.entries.delete(rlKey);
  }

  private res(used: number, consumed: number, msBeforeNext: number): RateLimiterRes {
    return new RateLimiterRes(
      Math.max(0, Math.floor(this.points - used)),
      msBeforeNext,
      consumed,
      false,
    );
  }
}

/** Drained points are fractional; a call that fits but for rounding is allowed. */
const EPSILON = 1e-9;
