import { describe, expect, it } from 'vitest';
import { formatMicrosoftJsonDate, parseMicrosoftJsonDate, parseXeroIsoDate } from './ms-date.js';

describe('Microsoft JSON dates', () => {
  it('parses Xero dates with and without an offset', () => {
    expect(parseMicrosoftJsonDate('/Date(1573755038314+0000)/')?.toISOString()).toBe(
      '2019-11-14T18:10:38.314Z',
    );
    expect(parseMicrosoftJsonDate('/Date(1573755038314)/')?.getTime()).toBe(1573755038314);
    expect(parseMicrosoftJsonDate('/Date(-1000+1300)/')?.getTime()).toBe(-1000);
  });

  it('refuses anything else', () => {
    for (const text of ['2019-11-14', '/Date()/', 'Date(1)', '/Date(12a)/', '']) {
      expect(parseMicrosoftJsonDate(text)).toBeUndefined();
    }
  });

  it('round-trips', () => {
    const date = new Date('2026-11-22T10:00:00.123Z');
    expect(parseMicrosoftJsonDate(formatMicrosoftJsonDate(date))).toEqual(date);
  });

  it('reads identity timestamps without a zone as UTC', () => {
    expect(parseXeroIsoDate('2019-07-09T23:40:30.1833130')?.toISOString()).toBe(
      '2019-07-09T23:40:30.183Z',
    );
    expect(parseXeroIsoDate('2019-07-09T23:40:30Z')?.toISOString()).toBe(
      '2019-07-09T23:40:30.000Z',
    );
    expect(parseXeroIsoDate('yesterday')).toBeUndefined();
  });
});
