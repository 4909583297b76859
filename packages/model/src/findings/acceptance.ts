import { ValidationError } from '../errors.js';

/** How long a risk may be accepted for when the deployment does not say (MAX_ACCEPTANCE_DAYS). */
export const DEFAULT_MAX_ACCEPTANCE_DAYS = 365;

const DAY_MS = 86_400_000;

/**
 * Whether an acceptance has lapsed at `now`: `acceptedUntil <= now`. One without an expiry has
 * lapsed too: every accepted risk is time-bound, and none may read as accepted forever.
 */
export function acceptanceLapsed(acceptedUntil: Date | null, now: Date): boolean {
  return acceptedUntil === null || acceptedUntil <= now;
}

/**
 * When an acceptance made at `now` ends: `until`, which must be in the future and at most
 * `maxDays` ahead, or, without one, the longest allowed. Errors name the field `until`.
 */
export function acceptanceEnd(until: Date | undefined, now: Date, maxDays: number): Date {
  if (!Number.isInteger(maxDays) || maxDays < 1)
    throw new ValidationError('maxDays', 'must be a whole number of days, at least 1');
  const latest = new Date(now.getTime() + maxDays * DAY_MS);
  if (until === undefined) return latest;
  if (!(until instanceof Date) || Number.isNaN(until.getTime()))
    throw new ValidationError('until', 'must be a valid date');
  const limit = `at most ${maxDays} days ahead (the maximum acceptance period): no later than ${latest.toISOString()}`;
  if (until <= now) throw new ValidationError('until', `must be in the future and ${limit}`);
  if (until > latest) throw new ValidationError('until', `must be ${limit}`);
  return until;
}
