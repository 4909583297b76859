import { RateLimiterRes } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { MemoryFallbackLimiter } from './memory-fallback.js';

const leases = () => new MemoryFallbackLimiter({ keyPrefix: 'leases', points: 2, duration: 0 });
const window = (seconds: number) =>
  new MemoryFallbackLimiter({ keyPrefix: 'window', points: 3, duration: seconds });

async function refusal(promise: Promise<unknown>): Promise<RateLimiterRes> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(RateLimiterRes);
  return outcome as RateLimiterRes;
}

describe('MemoryFallbackLimiter', () => {
  it('does not count refused leases: a release frees a slot however often others asked', async () => {
    const limiter = leases();
    await limiter.consume('t1');
    await limiter.consume('t1');
    for (let i = 0; i < 1_000; i++) await refusal(limiter.consume('t1'));
    expect(limiter.held('t1')).toBe(2);
    await limiter.reward('t1');
    expect(limiter.held('t1')).toBe(1);
    await expect(limiter.consume('t1')).resolves.toBeInstanceOf(RateLimiterRes);
  });

  it('answers a lease refusal with msBeforeNext -1 (only a release frees a slot)', async () => {
    const limiter = leases();
    await limiter.consume('t1', 2);
    const refused = await refusal(limiter.consume('t1'));
    expect(refused.msBeforeNext).toBe(-1);
    expect(refused.remainingPoints).toBe(0);
  });

  it('never counts below zero, and forgets a key with no leases held', async () => {
    const limiter = leases();
    await limiter.reward('t1', 5);
    expect(limiter.held('t1')).toBe(0);
    await limiter.consume('t1', 2);
    await refusal(limiter.consume('t1'));
    await limiter.reward('t1', 2);
    expect(await limiter.get('t1')).toBeNull();
  });

  it('keeps tenants apart', async () => {
    const limiter = leases();
    await limiter.consume('t1', 2);
    await expect(limiter.consume('t2', 2)).resolves.toBeInstanceOf(RateLimiterRes);
  });

  it('does not count refused window points, and tells when the window ends', async () => {
    const limiter = window(0.2);
    for (let i = 0; i < 3; i++) await limiter.consume('app');
    for (let i = 0; i < 50; i++) await refusal(limiter.consume('app'));
    expect(limiter.held('app')).toBe(3);
    const refused = await refusal(limiter.consume('app'));
    expect(refused.msBeforeNext).toBeGreaterThan(0);
    expect(refused.msBeforeNext).toBeLessThanOrEqual(200);
    // A point given back (another limit refused the same attempt) can be used again at once.
    await limiter.reward('app');
    await expect(limiter.consume('app')).resolves.toBeInstanceOf(RateLimiterRes);
  });

  it('starts a new window after the old one ends, and a late give-back does not go negative', async () => {
    const limiter = window(0.05);
    for (let i = 0; i < 3; i++) await limiter.consume('app');
    await new Promise((r) => setTimeout(r, 70));
    await limiter.reward('app');
    for (let i = 0; i < 3; i++) await limiter.consume('app');
    await refusal(limiter.consume('app'));
  });

  it('counts a penalty even above the limit', async () => {
    const limiter = window(1);
    await limiter.penalty('app', 5);
    expect(limiter.held('app')).toBe(5);
    await refusal(limiter.consume('app'));
  });
});
