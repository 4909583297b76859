import { describe, expect, it } from 'vitest';
import { acceptanceEnd, acceptanceLapsed } from './acceptance.js';

const now = new Date('2026-11-22T00:00:00Z');
const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000);

describe('acceptanceLapsed', () => {
  it('lapses at acceptedUntil, and at once without one', () => {
    expect(acceptanceLapsed(new Date(now.getTime() + 1), now)).toBe(false);
    expect(acceptanceLapsed(now, now)).toBe(true);
    expect(acceptanceLapsed(null, now)).toBe(true);
  });
});

describe('acceptanceEnd', () => {
  it('defaults to the whole maximum period', () => {
    expect(acceptanceEnd(undefined, now, 365)).toEqual(inDays(365));
    expect(acceptanceEnd(undefined, now, 30)).toEqual(inDays(30));
  });

  it('keeps a date in the future up to the maximum, inclusive', () => {
    expect(acceptanceEnd(inDays(10), now, 30)).toEqual(inDays(10));
    expect(acceptanceEnd(inDays(30), now, 30)).toEqual(inDays(30));
  });

  it('refuses a date beyond the maximum, naming the limit', () => {
    expect(() => acceptanceEnd(new Date(inDays(30).getTime() + 1), now, 30)).toThrow(
      'until: must be at most 30 days ahead (the maximum acceptance period): no later than 2026-12-22T00:00:00.000Z',
    );
  });

  it('refuses a date not in the future, naming the limit too', () => {
    expect(() => acceptanceEnd(now, now, 30)).toThrow(
      /^until: must be in the future and at most 30 days ahead/,
    );
    expect(() => acceptanceEnd(new Date('invalid'), now, 30)).toThrow(
      'until: must be a valid date',
    );
  });

  it('refuses a maximum that is not a whole number of days', () => {
    expect(() => acceptanceEnd(undefined, now, 0)).toThrow(/^maxDays: /);
    expect(() => acceptanceEnd(undefined, now, 1.5)).toThrow(/^maxDays: /);
  });
});
