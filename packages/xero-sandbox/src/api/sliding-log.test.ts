import { describe, expect, it } from 'vitest';
import { SlidingLog } from './sliding-log.js';

describe('SlidingLog', () => {
  it('counts only calls inside the rolling window', () => {
    const log = new SlidingLog();
    log.record(0);
    log.record(400);
    log.record(900);
    expect(log.count(999, 1000)).toBe(3);
    expect(log.count(1000, 1000)).toBe(2);
    expect(log.msUntilSlotFrees(1000, 1000)).toBe(400);
    expect(log.count(1900, 1000)).toBe(0);
    expect(log.msUntilSlotFrees(1900, 1000)).toBe(0);
  });

  it('stays correct after compacting many expired entries', () => {
    const log = new SlidingLog();
    for (let t = 0; t < 5000; t += 1) log.record(t);
    expect(log.count(4999, 100)).toBe(100);
    log.record(5000);
    expect(log.count(5000, 100)).toBe(100);
    expect(log.msUntilSlotFrees(5000, 100)).toBe(1);
  });
});
