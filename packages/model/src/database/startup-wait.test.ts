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

describe('databaseStartupWait', () => {
  it('defaults to two minutes', () => {
    expect(databaseStartupWait.parse(undefined)).toBe(DATABASE_STARTUP_WAIT_MS);
    expect(DATABASE_STARTUP_WAIT_MS).toBe(120_000);
    expect(databaseStartupWait.parse('30s')).toBe(30_000);
  });
});
