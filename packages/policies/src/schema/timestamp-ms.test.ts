import { describe, expect, it } from 'vitest';
import { timestampMs } from './timestamp-ms.js';
import { isTimestamp } from './validate.js';

describe('timestampMs', () => {
  it('reads a timestamp as Date.parse does', () => {
    for (const timestamp of ['2026-11-22T00:00:00Z', '2026-11-22T01:30:00.123+01:00'])
      expect(timestampMs(timestamp)).toBe(Date.parse(timestamp));
  });

  it('reads a leap second the schema accepts as the second after it, fraction and offset kept', () => {
    const cases = [
      ['2026-12-31T23:59:60Z', '2027-01-01T00:00:00.000Z'],
      ['2026-06-30T23:59:60.25Z', '2026-07-01T00:00:00.250Z'],
      ['2027-01-01T00:59:60+01:00', '2027-01-01T00:00:00.000Z'],
    ];
    for (const [leap, after] of cases) {
      expect(isTimestamp(leap)).toBe(true);
      expect(Number.isNaN(Date.parse(leap!))).toBe(true);
      expect(new Date(timestampMs(leap!)).toISOString()).toBe(after);
    }
  });
});
