/**
 * The takenAt a snapshot is recorded with: the one given, or 1 ms after the tenant's previous
 * snapshot when it is not later than that. takenAt is the recording replica's clock, so after a
 * failover to a replica whose clock is behind it can be before the previous snapshot's: the sync
 * is recorded all the same (refusing it would fail every sync until that clock caught up), and a
 * chain's takenAt still only moves forward.
 */
export function recordedTakenAt(takenAt: Date, previous: Date | undefined): Date {
  if (previous === undefined || takenAt > previous) return takenAt;
  return new Date(previous.getTime() + 1);
}
