/**
 * Timestamps of accepted calls inside a rolling window. Exact (not approximated), and bounded:
 * it never holds more entries than the limit it guards, because calls over the limit are refused.
 */
export class SlidingLog {
  private times: number[] = [];
  private head = 0;

  /** Number of calls in (now - windowMs, now]. */
  count(now: number, windowMs: number): number {
    const cutoff = now - windowMs;
    while (this.head < this.times.length && this.times[this.head]! <= cutoff) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  /** Milliseconds until the oldest call leaves the window (call `count` first). */
  msUntilSlotFrees(now: number, windowMs: number): number {
    const oldest = this.times[this.head];
    return oldest === undefined ? 0 : Math.max(0, oldest + windowMs - now);
  }

  record(now: number): void {
    this.times.push(now);
  }
}
