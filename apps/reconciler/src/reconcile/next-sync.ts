import { withJitter } from '../util/backoff.js';
import { parseGoDuration } from '../util/duration.js';
import type { EffectiveSpec } from './spec-defaults.js';

/**
 * A second after the expiry, so the evaluation's `now` is past it and the acceptance has lapsed
 * (an acceptance ends when `acceptedUntil <= now`).
 */
export const AFTER_ACCEPTANCE_EXPIRY_MS = 1_000;

/**
 * The wait before the next sync: the sync interval, or less when an accepted risk expires sooner,
 * so that the finding reopens (and alerts) when the acceptance ends rather than at the next
 * scheduled sync, which can be hours later.
 */
export function untilAcceptanceExpires(
  intervalMs: number,
  nextAcceptanceExpiry: Date | null,
  now: Date,
): number {
  if (!nextAcceptanceExpiry) return intervalMs;
  const untilExpiry = nextAcceptanceExpiry.getTime() - now.getTime() + AFTER_ACCEPTANCE_EXPIRY_MS;
  return Math.max(Math.min(intervalMs, untilExpiry), 0);
}

/**
 * Longest wait between syncs of an AuthorizationCode connection. Its refresh token lapses after
 * 60 days unused, and only a sync spends (and so renews) it: whatever syncInterval says (up to
 * 2562047h), the grant must never lapse and need a new consent.
 */
export const REFRESH_TOKEN_KEEPALIVE_MS = 30 * 24 * 3_600_000;

/**
 * The wait until the next scheduled sync: syncInterval plus up to `jitter` of it at random (so
 * many connections spread out), at most REFRESH_TOKEN_KEEPALIVE_MS for AuthorizationCode.
 */
export function syncWaitMs(
  spec: Pick<EffectiveSpec, 'syncInterval' | 'authFlow'>,
  jitter: number,
  random: () => number = Math.random,
): number {
  const waitMs = withJitter(parseGoDuration(spec.syncInterval), jitter, random);
  return spec.authFlow === 'AuthorizationCode'
    ? Math.min(waitMs, REFRESH_TOKEN_KEEPALIVE_MS)
    : waitMs;
}
