import { describe, expect, it } from 'vitest';
import { backoffDelay, delay } from './backoff.js';

describe('backoffDelay', () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

  it('grows exponentially up to the cap, with full jitter', () => {
    expect(backoffDelay(1, policy, () => 1)).toBe(200);
    expect(backoffDelay(3, policy, () => 1)).toBe(800);
    expect(backoffDelay(6, policy, () => 1)).toBe(1_000);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
  });
});

describe('delay', () => {
  it("rejects with the signal's reason as soon as it aborts", async () => {
    const controller = new AbortController();
    const reason = new Error('deadline');
    const startedAt = Date.now();
    const waited = delay(10_000, controller.signal);
    setTimeout(() => controller.abort(reason), 20);
    await expect(waited).rejects.toBe(reason);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });
});
