/** How often a failure that goes on (an outage) is logged again: a reminder, not every failure. */
export const OUTAGE_REMINDER_MS = 30_000;

/**
 * Lets a repeated log line through at most once per period, so a failure that repeats for as long
 * as an outage lasts (every request, every reconnect) is one line per period, not one per failure.
 */
export class AtMostEvery {
  private lastAt = -Infinity;

  constructor(
    private readonly periodMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the last line let through is at least a period ago (the period starts again). */
  due(): boolean {
    const now = this.now();
    if (now - this.lastAt < this.periodMs) return false;
    this.lastAt = now;
    return true;
  }

  /** A line was just logged (the first of an outage): the next is due a period from now. */
  start(): void {
    this.lastAt = this.now();
  }
}
