import { describe, expect, it } from 'vitest';
import { DEFAULT_POOL_MAX, databasePoolMax, MAX_POOL_MAX, poolMaxProblem } from './pool-max.js';

describe('databasePoolMax', () => {
  it('defaults to 10 connections and reads a whole number from 1 to 100', () => {
    expect(databasePoolMax.parse(undefined)).toBe(DEFAULT_POOL_MAX);
    expect(DEFAULT_POOL_MAX).toBe(10);
    expect(['1', '4', '100'].map((text) => databasePoolMax.parse(text))).toEqual([1, 4, 100]);
    expect(MAX_POOL_MAX).toBe(100);
  });

  it('refuses anything else, saying what it expects', () => {
    for (const text of ['0', '101', '-1', '2.5', '1e1', '0x10', ' 4', 'ten', '']) {
      const parsed = databasePoolMax.safeParse(text);
      expect(parsed.success, text).toBe(false);
      expect(parsed.error?.issues[0]?.message).toBe(
        'must be a whole number of connections from 1 to 100',
      );
    }
  });
});

describe('poolMaxProblem', () => {
  it('accepts a whole number from 1 to 100 and names the rule otherwise', () => {
    expect([1, 10, 100].map(poolMaxProblem)).toEqual([null, null, null]);
    for (const n of [0, 101, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(poolMaxProblem(n), String(n)).toBe(
        'must be a whole number of connections from 1 to 100',
      );
  });
});
