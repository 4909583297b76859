import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { AtMostEvery, OUTAGE_REMINDER_MS } from '../logging/at-most-every.js';

/**
 * Logs a Redis client's outages by their state, not by each failure: ioredis emits `error` at
 * every failed reconnect (about every 2 s while Redis is away), so an hour's outage would be
 * ~1,800 lines per replica. Instead: the first error (warn, with its stack), a reminder every
 * 30 s while it lasts (warn, its message only), and `ready` once it is back (info, how long).
 */
export function logRedisOutages(
  redis: Pick<EventEmitter, 'on'>,
  logger: Logger,
  now: () => number = Date.now,
): void {
  const reminder = new AtMostEvery(OUTAGE_REMINDER_MS, now);
  let since: number | undefined;
  redis.on('error', (error: Error) => {
    if (since === undefined) {
      since = now();
      reminder.start();
      logger.warn(
        { err: error },
        `Redis is unavailable; reconnecting (logged again every ${OUTAGE_REMINDER_MS / 1000} s until it is back)`,
      );
    } else if (reminder.due()) {
      logger.warn(
        { cause: error.message, unavailableForMs: now() - since },
        'Redis is still unavailable; reconnecting',
      );
    }
  });
  redis.on('ready', () => {
    if (since === undefined) return;
    logger.info({ unavailableForMs: now() - since }, 'Redis is available again');
    since = undefined;
  });
}
