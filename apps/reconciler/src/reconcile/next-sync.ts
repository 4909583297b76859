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
