import { describe, expect, it } from 'vitest';
import { AFTER_ACCEPTANCE_EXPIRY_MS, untilAcceptanceExpires } from './next-sync.js';

const now = new Date('2026-12-06T08:00:00Z');
const HOUR = 3_600_000;

describe('untilAcceptanceExpires', () => {
  it('keeps the sync interval when nothing is accepted', () => {
    expect(untilAcceptanceExpires(6 * HOUR, null, now)).toBe(6 * HOUR);
  });

  it('syncs just after an acceptance that ends before the next scheduled sync', () => {
    const expiry = new Date(now.getTime() + 30 * 60_000);
    expect(untilAcceptanceExpires(6 * HOUR, expiry, now)).toBe(
      30 * 60_000 + AFTER_ACCEPTANCE_EXPIRY_MS,
    );
  });

  it('keeps the interval when the acceptance ends after the next scheduled sync', () => {
    const expiry = new Date(now.getTime() + 30 * 24 * HOUR);
    expect(untilAcceptanceExpires(6 * HOUR, expiry, now)).toBe(6 * HOUR);
  });

  it('never waits a negative time', () => {
    const expiry = new Date(now.getTime() - 10 * 60_000);
    expect(untilAcceptanceExpires(6 * HOUR, expiry, now)).toBe(0);
  });
});
