import { describe, expect, it } from 'vitest';
import { rowDate } from './row-date.js';

describe('rowDate', () => {
  it('reads a date column as PostgreSQL (Date) and SQLite (epoch milliseconds) return it', () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    expect(rowDate(at)).toBe(at);
    expect(rowDate(at.getTime())).toEqual(at);
    expect(rowDate(String(at.getTime()))).toEqual(at);
    expect(rowDate('2026-03-04T05:06:07.089Z')).toEqual(at);
  });

  it('keeps a null column null', () => {
    expect(rowDate(null)).toBeNull();
    expect(rowDate(undefined)).toBeNull();
  });
});
