import { withJitter } from '../util/backoff.js';
import { parseGoDuration } from '../util/duration.js';
import type { EffectiveSpec } from './spec-defaults.js';

/**
 * A second after a deadline, so the evaluation's `now` is past it: an acceptance ends when
 * `acceptedUntil <= now`, and the policy's `reevaluate_at` is a time after which the findings
 * may change (an offboarding grace period ends when strictly more than it has passed).
 */
export const AFTER_DEADLINE_MS = 1_000;

/**
 * The wait before the next sync: the sync interval, or less when a deadline comes sooner at which
 * the findings change with nothing else changing, so the next sync comes just after it:
 * - an accepted risk expires: the finding reopens (and alerts) when the acceptance ends, not at
 *   the next scheduled sync, which can be hours later;
 * - the policy says when to evaluate again (any check's `reevaluate_at`), e.g. an offboarding
 *   grace period ends: access still held then is a finding. Waiting for the scheduled sync
 *   would miss access removed late but before it, leaving no finding at all.
 */
export function untilNextDeadline(
  intervalMs: number,
  deadlines: readonly (Date | null)[],
  now: Date,
): number {
  const next = earliestDeadline(deadlines);
  if (!next) return intervalMs;
  const untilNext = next.getTime() - now.getTime() + AFTER_DEADLINE_MS;
  return Math.max(Math.min(intervalMs, untilNext), 0);
}

/**
 * The shortest wait the policy's `reevaluate_at` may cause: the CRD's shortest syncInterval. A
 * custom check that keeps answering "in a second" must not make the reconciler sync every second
 * and spend the tenant's Xero limits (about 3 calls a sync: 1,440 syncs a day stay under 5,000).
 */
export const MIN_REEVALUATION_WAIT_MS = 60_000;

/** The policy's `reevaluate_at` as a deadline, no sooner than MIN_REEVALUATION_WAIT_MS away. */
export function reevaluationDeadline(reevaluateAt: Date | null, now: Date): Date | null {
  if (!reevaluateAt) return null;
  const soonest = now.getTime() + MIN_REEVALUATION_WAIT_MS - AFTER_DEADLINE_MS;
  return new Date(Math.max(reevaluateAt.getTime(), soonest));
}

/** The earliest of the deadlines, or null when there is none. */
export function earliestDeadline(deadlines: readonly (Date | null)[]): Date | null {
  let earliest: Date | null = null;
  for (const deadline of deadlines)
    if (deadline && (!earliest || deadline < earliest)) earliest = deadline;
  return earliest;
}

/**
 * Longest wait between syncs of an AuthorizationCode connection. Its refresh token lapses after
 * 60 days unused, and only a sync spends (and so renews) it: whatever syncInterval says (up to
 * 2562047h), the grant must never lapse and need a new consent.
 */
export const REFRESH_TOKEN_KEEPALIVE_MS = 30 * 24 * 3_600_000;

/** The time between scheduled syncs, before jitter: syncInterval, at most REFRESH_TOKEN_KEEPALIVE_MS for AuthorizationCode. */
export function syncIntervalMs(spec: Pick<EffectiveSpec, 'syncInterval' | 'authFlow'>): number {
  return withinKeepAlive(spec, parseGoDuration(spec.syncInterval));
}

/**
 * The wait until the next scheduled sync: syncInterval plus up to `jitter` of it at random (so
 * many connections spread out), at most REFRESH_TOKEN_KEEPALIVE_MS for AuthorizationCode.
 */
export function syncWaitMs(
  spec: Pick<EffectiveSpec, 'syncInterval' | 'authFlow'>,
  jitter: number,
  random: () => number = Math.random,
): number {
  return withinKeepAlive(spec, withJitter(parseGoDuration(spec.syncInterval), jitter, random));
}

function withinKeepAlive(spec: Pick<EffectiveSpec, 'authFlow'>, waitMs: number): number {
  return spec.authFlow === 'AuthorizationCode'
    ? Math.min(waitMs, REFRESH_TOKEN_KEEPALIVE_MS)
    : waitMs;
}
