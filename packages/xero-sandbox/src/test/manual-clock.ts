import type { Clock } from '../config.js';

/** A clock tests move by hand, so window arithmetic is exact. */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
