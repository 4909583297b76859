import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

interface Entry {
  points: number;
  /** Epoch ms; undefined = held until given back (concurrency leases). */
  expiresAt: number | undefined;
}

interface FallbackOptions {
  keyPrefix: string;
  points: number;
  /** Fixed window length in seconds; 0 = points are held until given back (leases). */
  duration: number;
}

/**
 * The in-memory limit a `RedisSlidingWindowLimiter` or `RedisLeaseLimiter` falls back to while
 * Redis is away. Unlike `RateLimiterMemory`, a refused consume takes nothing: a queue that asks
 * again and again while a limit is exhausted must not push its count ever higher (a lease count
 * that never expires would never come back under the limit), and a point given back frees a slot
 * at once. It extends `RateLimiterMemory` only to be accepted as an `insuranceLimiter`; every
 * operation uses its own map.
 */
export class MemoryFallbackLimiter extends RateLimiterMemory {
  private readonly entries = new Map<string, Entry>();
  private writesSinceSweep = 0;

  constructor(options: FallbackOptions) {
    super(options);
  }

  /** Points currently counted for a key (for tests and diagnostics). */
  held(key: string | number): number {
    return this.live(this.getKey(key))?.points ?? 0;
  }

  override consume(key: string | number, points = 1): Promise<RateLimiterRes> {
    const rlKey = this.getKey(key);
    const entry = this.live(rlKey);
    const held = entry?.points ?? 0;
    if (held + points > this.points) {
      // Refused: nothing is counted. msBeforeNext -1 = only a give-back frees a slot.
      return Promise.reject(this.res(held, entry, held + points));
    }
    return Promise.resolve(this.res(held + points, this.add(rlKey, entry, points)));
  }

  /** Counts points even above the limit (someone spent them anyway). */
  override penalty(key: string | number, points = 1): Promise<RateLimiterRes> {
    const rlKey = this.getKey(key);
    const entry = this.add(rlKey, this.live(rlKey), points);
    return Promise.resolve(this.res(entry.points, entry));
  }

  /** Gives points back to the current window (or frees leases); never below zero. */
  override reward(key: string | number, points = 1): Promise<RateLimiterRes> {
    const rlKey = this.getKey(key);
    const entry = this.live(rlKey);
    if (!entry) return Promise.resolve(this.res(0, undefined));
    entry.points = Math.max(0, entry.points - points);
    if (entry.points === 0 && entry.expiresAt === undefined) this.entries.delete(rlKey);
    return Promise.resolve(this.res(entry.points, entry));
  }

  override get(key: string | number): Promise<RateLimiterRes | null> {
    const entry = this.live(this.getKey(key));
    return Promise.resolve(entry ? this.res(entry.points, entry) : null);
  }

  override set(key: string | number, points: number, secDuration: number): Promise<RateLimiterRes> {
    const entry = this.store(this.getKey(key), points, secDuration);
    return Promise.resolve(this.res(points, entry));
  }

  override block(key: string | number, secDuration: number): Promise<RateLimiterRes> {
    return this.set(key, this.points + 1, secDuration);
  }

  override delete(key: string | number): Promise<boolean> {
    return Promise.resolve(this.entries.delete(this.getKey(key)));
  }

  private live(rlKey: string): Entry | undefined {
    const entry = this.entries.get(rlKey);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(rlKey);
      return undefined;
    }
    return entry;
  }

  private add(rlKey: string, entry: Entry | undefined, points: number): Entry {
    if (entry) {
      entry.points += points;
      return entry;
    }
    return this.store(rlKey, points, this.duration);
  }

  private store(rlKey: string, points: number, secDuration: number): Entry {
    const entry: Entry = {
      points,
      expiresAt: secDuration > 0 ? Date.now() + secDuration * 1000 : undefined,
    };
    this.entries.set(rlKey, entry);
    if (++this.writesSinceSweep >= 1000) this.sweep();
    return entry;
  }

  /** Drops expired windows so the map stays as small as the keys in use. */
  private sweep(): void {
    this.writesSinceSweep = 0;
    const now = Date.now();
    for (const [rlKey, entry] of this.entries)
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.entries.delete(rlKey);
  }

  private res(held: number, entry: Entry | undefined, consumed = held): RateLimiterRes {
    const msBeforeNext = entry?.expiresAt === undefined ? -1 : entry.expiresAt - Date.now();
    return new RateLimiterRes(Math.max(0, this.points - held), msBeforeNext, consumed, false);
  }
}
