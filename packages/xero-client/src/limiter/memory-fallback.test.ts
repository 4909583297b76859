import { RateLimiterRes } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryFallbackLimiter } from './memory-fallback.js';

const leases = () => new MemoryFallbackLimiter({ keyPrefix: 'leases', points: 2, duration: 0 });
/** 4 points per `seconds`. */
const window = (seconds: number) =>
  new MemoryFallbackLimiter({ keyPrefix: 'window', points: 4, duration: seconds });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function refusal(promise: Promise<unknown>): Promise<RateLimiterRes> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(RateLimiterRes);
  return outcome as RateLimiterRes;
}

describe('MemoryFallbackLimiter: in-flight leases', () => {
  it('does not count refusals: a release frees a slot however often others asked', async () => {
    const limiter = leases();
    await limiter.consume('t1');
    await limiter.consume('t1');
    for (let i = 0; i < 1_000; i++) await refusal(limiter.consume('t1'));
    expect(limiter.held('t1')).toBe(2);
    await limiter.reward('t1');
    expect(limiter.held('t1')).toBe(1);
    await expect(limiter.consume('t1')).resolves.toBeInstanceOf(RateLimiterRes);
  });

  it('answers a refusal with msBeforeNext -1 (only a release frees a slot) and never frees one by itself', async () => {
    const limiter = leases();
    await limiter.consume('t1', 2);
    await sleep(30);
    const refused = await refusal(limiter.consume('t1'));
    expect(refused.msBeforeNext).toBe(-1);
    expect(refused.remainingPoints).toBe(0);
  });

  it('never counts below zero, forgets a key with nothing held, and keeps tenants apart', async () => {
    const limiter = leases();
    await limiter.reward('t1', 5);
    expect(limiter.held('t1')).toBe(0);
    await limiter.consume('t1', 2);
    await expect(limiter.consume('t2', 2)).resolves.toBeInstanceOf(RateLimiterRes);
    await limiter.reward('t1', 2);
    expect(await limiter.get('t1')).toBeNull();
  });
});

// A window drains with the clock; a fake clock keeps these exact however busy the machine is.
describe('MemoryFallbackLimiter: windows', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

  it('does not count refusals, and a point given back can be used again at once', async () => {
    const limiter = window(60);
    for (let i = 0; i < 4; i++) await limiter.consume('app');
    for (let i = 0; i < 50; i++) await refusal(limiter.consume('app'));
    expect(limiter.held('app')).toBe(4);
    await limiter.reward('app');
    await expect(limiter.consume('app')).resolves.toBeInstanceOf(RateLimiterRes);
  });

  it('after a burst of its points, admits the next one a quarter window later, not at the window’s end', async () => {
    const limiter = window(0.4); // 4 per 400 ms: one per 100 ms once the burst is spent
    for (let i = 0; i < 4; i++) await limiter.consume('app');
    const refused = await refusal(limiter.consume('app'));
    expect(refused.msBeforeNext).toBe(100);
    advance(99);
    await refusal(limiter.consume('app'));
    advance(1);
    await expect(limiter.consume('app')).resolves.toBeInstanceOf(RateLimiterRes);
    await refusal(limiter.consume('app'));
  });

  it('admits at most twice its points in any window, and its points per window when busy', async () => {
    const limiter = window(0.3); // 4 per 300 ms
    const granted: number[] = [];
    const started = Date.now();
    while (Date.now() - started < 900) {
      await limiter.consume('app').then(
        () => granted.push(Date.now()),
        () => undefined,
      );
      advance(2);
    }
    for (const at of granted) {
      expect(granted.filter((t) => t >= at && t < at + 300).length).toBeLessThanOrEqual(8);
    }
    // 4 at once, then one every 75 ms (4 per 300 ms), asked every 2 ms: 11 more before 900 ms.
    expect(granted.length).toBe(15);
  });

  it('a late give-back does not make room beyond its points', async () => {
    const limiter = window(0.05);
    for (let i = 0; i < 4; i++) await limiter.consume('app');
    advance(70);
    await limiter.reward('app', 3);
    for (let i = 0; i < 4; i++) await limiter.consume('app');
    await refusal(limiter.consume('app'));
  });

  it('counts a penalty even above its points', async () => {
    const limiter = window(60);
    await limiter.penalty('app', 5);
    expect(limiter.held('app')).toBe(5);
    await refusal(limiter.consume('app'));
  });
});
