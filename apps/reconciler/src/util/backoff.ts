export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** 0..1: the delay is drawn from [delay * (1 - jitter), delay]. */
  jitter: number;
}

/** Delay before retry `attempt` (0-based): base * 2^attempt, capped, with jitter so retries spread. */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(delay * (1 - policy.jitter * random()));
}

/** A delay that draws from [ms, ms * (1 + fraction)]: spreads a thousand timers that would fire together. */
export function withJitter(
  ms: number,
  fraction: number,
  random: () => number = Math.random,
): number {
  return Math.round(ms * (1 + fraction * random()));
}
