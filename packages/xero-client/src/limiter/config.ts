/** An integration's own cap, enforced next to Xero's limits, e.g. 50 per 10 s per provider. */
export interface ExtraCap {
  /** Redis key part; every process (of every app) using the same id shares the cap. */
  id: string;
  points: number;
  windowMs: number;
}

export interface XeroLimits {
  /** Calls in flight per app per tenant (Xero: 5). */
  tenantConcurrent: number;
  /** Calls per app per tenant per minute window (Xero: 60). */
  tenantPerMinute: number;
  /** Calls per app per tenant per day window (Xero: 5,000). */
  tenantPerDay: number;
  /** Calls per app per minute window across tenants (Xero: 10,000). */
  appPerMinute: number;
  /** Window lengths; shorter than real time only for compressed tests and benchmarks. */
  minuteWindowMs: number;
  dayWindowMs: number;
  extraCaps: ExtraCap[];
}

export interface LimiterTuning {
  /**
   * Every window is enforced as window + margin, margin = max(minMs, ratio × window). A call's
   * points are re-dated to its answer (settle), which covers network and event-loop delays; the
   * margin covers what remains (clock rates, a settle that could not reach Redis).
   */
  safetyMarginRatio: number;
  safetyMarginMinMs: number;
  /** Sliding windows are kept as this many buckets (memory stays bounded per key). */
  bucketsPerWindow: number;
  /** A concurrency slot held by a crashed process is freed after this long. */
  leaseMs: number;
  /** How often a caller waiting only for a concurrency slot held by another process polls. */
  concurrencyPollMs: number;
  /**
   * Redis-outage fallback: each process then enforces limit / expectedReplicas in memory. A window
   * share can be spent twice in one rolling window, so this must be at least twice the number of
   * processes spending the same limit at once (the default 2: one, as in the operator, README).
   */
  expectedReplicas: number;
  /** A caller waits at most this long for a slot; a longer wait fails with RateLimited (retryAt). */
  maxWaitMs: number;
}

export const XERO_LIMITS: XeroLimits = {
  tenantConcurrent: 5,
  tenantPerMinute: 60,
  tenantPerDay: 5000,
  appPerMinute: 10_000,
  minuteWindowMs: 60_000,
  dayWindowMs: 86_400_000,
  extraCaps: [],
};

export const DEFAULT_TUNING: LimiterTuning = {
  safetyMarginRatio: 0.005,
  safetyMarginMinMs: 50,
  bucketsPerWindow: 200,
  leaseMs: 120_000,
  concurrencyPollMs: 15,
  expectedReplicas: 2,
  maxWaitMs: 5 * 60_000,
};

export function safetyMargin(windowMs: number, tuning: LimiterTuning): number {
  return Math.max(tuning.safetyMarginMinMs, Math.ceil(windowMs * tuning.safetyMarginRatio));
}

/** The in-memory share one process may use while Redis is away; at least 1. */
export function fallbackShare(points: number, tuning: LimiterTuning): number {
  return Math.max(1, Math.floor(points / Math.max(1, tuning.expectedReplicas)));
}

/**
 * The limiter's Redis key prefix under an app's REDIS_KEY_PREFIX (`xao` → `xao:rl`). A trailing
 * `:` is ignored, so the reconciler (`xao`) and the admin API (`xao:`) share one budget.
 */
export function limiterKeyPrefix(clientKeyPrefix: string): string {
  return `${clientKeyPrefix.replace(/:+$/, '')}:rl`;
}
