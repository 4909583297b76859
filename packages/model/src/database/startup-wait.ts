import { z } from 'zod';

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** A duration setting of the apps' environment (500ms, 30s, 5m, 1h), parsed to milliseconds. */
export const durationSetting = z
  .string()
  .regex(DURATION, 'must be a duration such as 500ms, 30s, 5m or 1h')
  .transform((text) => {
    const match = DURATION.exec(text)!;
    return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  });

/** DATABASE_STARTUP_WAIT's default: the charts' startup probes allow 150 s. */
export const DATABASE_STARTUP_WAIT_MS = 120_000;

/** DATABASE_STARTUP_WAIT: how long an app keeps trying to reach its database at start-up. */
export const databaseStartupWait = durationSetting.default(DATABASE_STARTUP_WAIT_MS);
