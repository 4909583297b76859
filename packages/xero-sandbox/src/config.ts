/** Xero's documented API limits; window lengths are configurable so benchmarks can compress time. */
export interface LimitConfig {
  /** Calls in flight per app per tenant at one time. */
  tenantConcurrent: number;
  /** Calls per app per tenant in a rolling minute window. */
  tenantPerMinute: number;
  /** Calls per app per tenant in a rolling day window. */
  tenantPerDay: number;
  /** Calls per app across all tenants in a rolling minute window. */
  appPerMinute: number;
  /** Length of the "minute" window in milliseconds (60,000 at Xero). */
  minuteWindowMs: number;
  /** Length of the "day" window in milliseconds (86,400,000 at Xero). */
  dayWindowMs: number;
}

export const DEFAULT_LIMITS: Readonly<LimitConfig> = Object.freeze({
  tenantConcurrent: 5,
  tenantPerMinute: 60,
  tenantPerDay: 5000,
  appPerMinute: 10_000,
  minuteWindowMs: 60_000,
  dayWindowMs: 86_400_000,
});

export const DEFAULT_ACCESS_TOKEN_TTL_MS = 30 * 60_000;
export const DEFAULT_REFRESH_TOKEN_TTL_MS = 60 * 24 * 60 * 60_000;
export const DEFAULT_GRANT_GRACE_MS = 30 * 60_000;
export const DEFAULT_AUTH_CODE_TTL_MS = 5 * 60_000;
export const ID_TOKEN_TTL_MS = 5 * 60_000;

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
