import { ValidationError } from '../errors.js';

/**
 * How far a snapshot's takenAt may be before its tenant's previous one and still be recorded
 * (1 ms after it): ordinary skew between the clocks of two replicas. More is refused, since
 * recording it would date this and every later snapshot of the tenant by the faster clock.
 */
export const MAX_CLOCK_BEHIND_MS = 5 * 60_000;

/**
 * The takenAt a snapshot is recorded with: the one given, or 1 ms after the tenant's previous
 * snapshot when it is not later than that. takenAt is the recording replica's clock, so after a
 * failover to a replica whose clock is slightly behind it can be before the previous snapshot's:
 * the sync is recorded all the same (refusing it would fail every sync until that clock caught
 * up), and a chain's takenAt still only moves forward. Beyond MAX_CLOCK_BEHIND_MS one of the two
 * clocks is wrong, and which one is unknown: refused, naming the gap.
 */
export function recordedTakenAt(takenAt: Date, previous: Date | undefined): Date {
  if (previous === undefined || takenAt > previous) return takenAt;
  const behindMs = previous.getTime() - takenAt.getTime();
  if (behindMs > MAX_CLOCK_BEHIND_MS)
    throw new ValidationError(
      'takenAt',
      `is ${Math.round(behindMs / 1000)} s before the tenant's previous snapshot ` +
        `(${previous.toISOString()}): the clocks of the replicas that recorded them disagree by ` +
        `more than ${MAX_CLOCK_BEHIND_MS / 60_000} minutes; check their time synchronisation`,
    );
  return new Date(previous.getTime() + 1);
}
