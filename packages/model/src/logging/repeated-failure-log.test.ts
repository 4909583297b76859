import { describe, expect, it } from 'vitest';
import { REPEAT_LOG_EVERY_MS, RepeatedFailureLog } from './repeated-failure-log.js';

/** A logger that keeps its lines, and a clock the test moves. */
function setup(everyMs?: number) {
  const lines: { level: string; msg: string; [field: string]: unknown }[] = [];
  const logger = {
    info: (fields: object, msg: string) => void lines.push({ level: 'info', msg, ...fields }),
    warn: (fields: object, msg: string) => void lines.push({ level: 'warn', msg, ...fields }),
  };
  let now = 1_000;
  const log = new RepeatedFailureLog({
    logger,
    recovered: 'the API server answers again',
    fields: { lease: 'ops/leader' },
    now: () => now,
    ...(everyMs === undefined ? {} : { everyMs }),
  });
  return { lines, log, advance: (ms: number) => void (now += ms) };
}

describe('RepeatedFailureLog', () => {
  it('logs the first failure, then one reminder per 5 minutes with the count, not every attempt', () => {
    const { lines, log, advance } = setup();
    // An hour of a failure retried every 2 s.
    for (let attempt = 0; attempt < 1_800; attempt += 1) {
      log.failed({ error: 'HTTP 403: forbidden' }, 'reading the leader lease failed');
      advance(2_000);
    }
    expect(lines).toHaveLength(12);
    expect(lines[0]).toEqual({
      level: 'warn',
      msg: 'reading the leader lease failed',
      lease: 'ops/leader',
      error: 'HTTP 403: forbidden',
    });
    expect(lines[1]).toEqual({
      level: 'warn',
      msg: 'reading the leader lease failed',
      lease: 'ops/leader',
      error: 'HTTP 403: forbidden',
      failedAttempts: 151,
      failingForMs: REPEAT_LOG_EVERY_MS,
    });
    expect(lines.every((line) => line.level === 'warn')).toBe(true);
  });

  it('logs a failure with another message at once, then throttles both together', () => {
    const { lines, log, advance } = setup();
    log.failed({}, 'the API server did not answer in time');
    advance(2_000);
    log.failed({ error: 'HTTP 403' }, 'reading the leader lease failed');
    advance(2_000);
    log.failed({}, 'the API server did not answer in time');
    log.failed({ error: 'HTTP 403' }, 'reading the leader lease failed');
    expect(lines.map((line) => [line.msg, line.failedAttempts])).toEqual([
      ['the API server did not answer in time', undefined],
      ['reading the leader lease failed', 2],
    ]);
  });

  it('says once that it recovered, with how many attempts failed and for how long; then starts over', () => {
    const { lines, log, advance } = setup(60_000);
    log.succeeded();
    expect(lines).toEqual([]);
    log.failed({}, 'webhook delivery pass waits for the database; retrying');
    advance(5_000);
    log.failed({}, 'webhook delivery pass waits for the database; retrying');
    expect(log.isFailing).toBe(true);
    advance(5_000);
    log.succeeded({ delivered: 3 });
    log.succeeded();
    expect(log.isFailing).toBe(false);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({
      level: 'info',
      msg: 'the API server answers again',
      lease: 'ops/leader',
      delivered: 3,
      failedAttempts: 2,
      failingForMs: 10_000,
    });
    // A new run of failures is logged at once again.
    log.failed({}, 'webhook delivery pass waits for the database; retrying');
    expect(lines).toHaveLength(3);
    expect(lines[2]).not.toHaveProperty('failedAttempts');
  });
});
