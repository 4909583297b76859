import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './duration.js';

describe('parseGoDuration', () => {
  it('reads the forms the CRD accepts', () => {
    expect(parseGoDuration('1h')).toBe(3_600_000);
    expect(parseGoDuration('90s')).toBe(90_000);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('250ms')).toBe(250);
  });

  it('refuses text that is not a duration', () => {
    expect(() => parseGoDuration('1 hour')).toThrow(/not a duration/);
    expect(() => parseGoDuration('')).toThrow(/not a duration/);
    expect(() => parseGoDuration('10x')).toThrow(/not a duration/);
  });
});
