import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { logRedisOutages } from './redis-outage-log.js';

/** A client that fails to reconnect every 2 s, as ioredis does while Redis is away. */
function setUp() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()),
  });
  const client = new EventEmitter();
  let clock = 0;
  logRedisOutages(client, createLogger('info', sink), () => clock);
  const failFor = (ms: number) => {
    for (const end = clock + ms; clock < end; clock += 2_000)
      client.emit(
        'error',
        Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:6379'), {
          code: 'ECONNREFUSED',
        }),
      );
  };
  return { lines, client, failFor, advance: (ms: number) => (clock += ms) };
}

describe('logRedisOutages', () => {
  it('logs an outage as it begins, every 30 s while it lasts, and as it ends', () => {
    const { lines, client, failFor } = setUp();
    failFor(60 * 60_000);

    // An hour of reconnects every 2 s (1,800 errors): the first, then one line per 30 s.
    expect(lines).toHaveLength(120);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      msg: 'Redis is unavailable; reconnecting (logged again every 30 s until it is back)',
      err: { message: 'connect ECONNREFUSED 10.0.0.7:6379', code: 'ECONNREFUSED' },
    });
    expect(lines[0]!.err).toHaveProperty('stack');
    expect(lines[1]).toEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'Redis is still unavailable; reconnecting',
        cause: 'connect ECONNREFUSED 10.0.0.7:6379',
        unavailableForMs: 30_000,
      }),
    );
    // Reminders carry no stack: the first line has it.
    expect(lines.slice(1).every((l) => !('err' in l))).toBe(true);

    client.emit('ready');
    expect(lines.at(-1)).toMatchObject({
      level: 'info',
      msg: 'Redis is available again',
      unavailableForMs: 60 * 60_000,
    });
  });

  it('says nothing when Redis is ready without an outage, and starts afresh with the next one', () => {
    const { lines, client, failFor, advance } = setUp();
    client.emit('ready');
    expect(lines).toEqual([]);

    failFor(4_000);
    client.emit('ready');
    advance(5_000);
    failFor(4_000);

    expect(lines.map((l) => l.msg)).toEqual([
      'Redis is unavailable; reconnecting (logged again every 30 s until it is back)',
      'Redis is available again',
      'Redis is unavailable; reconnecting (logged again every 30 s until it is back)',
    ]);
  });
});
