import { describe, expect, it } from 'vitest';
import { DATABASE_STARTUP_WAIT_MS, databaseStartupWait, durationSetting } from './startup-wait.js';

describe('durationSetting', () => {
  it('reads 500ms, 30s, 5m and 1h as milliseconds', () => {
    expect(['500ms', '30s', '5m', '1h'].map((text) => durationSetting.parse(text))).toEqual([
      500, 30_000, 300_000, 3_600_000,
    ]);
  });

  it('refuses a bare number or another unit, saying what it expects', () => {
    for (const text of ['15', '1.5m', '2d', '', '1h30m']) {
      const parsed = durationSetting.safeParse(text);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toBe(
        'must be a duration such as 500ms, 30s, 5m or 1h',
      );
    }
  });
});

describe('durationSetting beyond what a timer can wait', () => {
  it('takes 596h and refuses 597h or 720h, which Node.js would run after 1 ms', () => {
    expect(durationSetting.parse('596h')).toBe(596 * 3_600_000);
    for (const text of ['597h', '720h', `${2 ** 31}ms`]) {
      const parsed = durationSetting.safeParse(text);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toBe(
        'must be at most 596h (24.8 days, the longest delay a Node.js timer keeps)',
      );
    }
  });
});

describe('databaseStartupWait', () => {
  it('defaults to two minutes', () => {
    expect(databaseStartupWait.parse(undefined)).toBe(DATABASE_STARTUP_WAIT_MS);
    expect(DATABASE_STARTUP_WAIT_MS).toBe(120_000);
    expect(databaseStartupWait.parse('30s')).toBe(30_000);
  });
});
