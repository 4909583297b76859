import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

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
