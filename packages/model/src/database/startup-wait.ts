import { z } from 'zod';

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/**
 * The longest duration setting: every one is a timer's delay or period, and Node.js runs a timer
 * longer than 2^31 - 1 ms (24.8 days) after 1 ms instead, so `RESYNC_PERIOD=720h` would resync
 * every connection without pause.
 */
export const MAX_DURATION_SETTING_MS = 2 ** 31 - 1;

/** A duration setting of the apps' environment (500ms, 30s, 5m, 1h), parsed to milliseconds. */
export const durationSetting = z
  .string()
  .regex(DURATION, 'must be a duration such as 500ms, 30s, 5m or 1h')
  .transform((text) => {
    const match = DURATION.exec(text)!;
    return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  })
  .refine(
    (ms) => ms <= MAX_DURATION_SETTING_MS,
    'must be at most 596h (24.8 days, the longest delay a Node.js timer keeps)',
  );

/** DATABASE_STARTUP_WAIT's default: the charts' startup probes allow 150 s. */
export const DATABASE_STARTUP_WAIT_MS = 120_000;

/** DATABASE_STARTUP_WAIT: how long an app keeps trying to reach its database at start-up. */
export const databaseStartupWait = durationSetting.default(DATABASE_STARTUP_WAIT_MS);
