import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';

export const DEFAULT_FAILURE_BACKOFF: BackoffPolicy = {
  baseMs: 1_000,
  maxMs: 5 * 60_000,
  jitter: 0.1,
};

/**
 * Per-key exponential backoff, like client-go's ItemExponentialFailureRateLimiter: each failure
 * of a key doubles its next delay; `forget` after a success starts it over.
 */
export class FailureRateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly policy: BackoffPolicy = DEFAULT_FAILURE_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay for this key's next retry; counts one more failure. */
  when(key: string): number {
    const attempt = this.failures.get(key) ?? 0;
    this.failures.set(key, attempt + 1);
    return backoffDelay(attempt, this.policy, this.random);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}
