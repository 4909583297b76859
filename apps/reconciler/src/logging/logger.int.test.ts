import { PrivateRedisServer } from '@xero-access/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from '../test/memory-sink.js';
import { createLogger } from './logger.js';

const SERVER_PASSWORD = 'S3rverRedisPw';
const PASSWORD = 'S3cretRedisPw';
// Redis's replies to an AUTH with the wrong password, and to a command before any AUTH.
const WRONG_PASSWORD = 'WRONGPASS invalid username-password pair or user is disabled.';
const NOT_AUTHENTICATED = 'NOAUTH Authentication required.';

describe('createLogger with a real Redis refusing the client', () => {
  // A real Redis that wants another password than the clients below give.
  let redis: PrivateRedisServer;
  beforeAll(async () => {
    redis = await PrivateRedisServer.start({ password: SERVER_PASSWORD });
  });
  afterAll(async () => redis?.kill());

  it('logs a refused Redis password without the password ioredis hangs on the error', async () => {
    const { sink, text, lines } = memorySink();
    const logger = createLogger('info', sink).child({ component: 'reevaluate' });
    const client = new Redis({
      host: '127.0.0.1',
      port: redis.port,
      password: PASSWORD,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => (times > 2 ? null : 10),
    });
    const events: Error[] = [];
    client.on('error', (error: Error) => {
      events.push(error);
      logger.warn({ err: error }, 'redis error');
    });
    // (Not events.once: it would reject on the 'error' events this test is about.)
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));

    // Queued before the connection is up: ioredis rejects it with the AUTH command's error.
    const failed = (await client.spop('xao:reevaluate:pending', 100).catch((e: unknown) => e)) as
      (Error & { command?: { name: string; args: unknown[] } }) | undefined;
    logger.warn({ err: failed }, 'could not read re-evaluation requests; the next drain retries');
    await ended;

    // The errors really carry the password (what pino's default serializer would print)...
    expect(failed).toBeInstanceOf(Error);
    expect(failed?.command).toEqual({ name: 'auth', args: [PASSWORD] });
    expect(events.length).toBeGreaterThanOrEqual(1);
    // ...and the log never does, but keeps what says what went wrong.
    expect(text()).not.toContain(PASSWORD);
    expect(text()).not.toContain('"command"');
    expect(text()).toContain(WRONG_PASSWORD);
    const logged = lines();
    expect(logged.length).toBe(events.length + 1);
    for (const line of logged)
      expect(line.err).toMatchObject({
        type: 'ReplyError',
        message: WRONG_PASSWORD,
        stack: expect.stringContaining(WRONG_PASSWORD),
      });
  });

  it('logs a refused SET without the value it was writing', async () => {
    const { sink, text } = memorySink();
    const logger = createLogger('info', sink);
    // No password and no ready check: the SET itself reaches the server and is refused.
    const client = new Redis({
      host: '127.0.0.1',
      port: redis.port,
      enableReadyCheck: false,
      disableClientInfo: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    client.on('error', (error: Error) => logger.warn({ err: error }, 'redis error'));
    const value = JSON.stringify({ codeVerifier: 'pkce-verifier-kept-out-of-logs' });
    try {
      const failed = (await client
        .set('xao:connect:flow:n1', value, 'EX', 600)
        .catch((e: unknown) => e)) as Error & { command?: { args: unknown[] } };
      expect(failed.command?.args).toContain(value);
      // Logged the way the admin API's exception filter and pino's `error` key would be.
      logger.error({ err: failed, reqId: 'r1' }, 'request failed');
      logger.error({ error: failed }, 'request failed');
    } finally {
      client.disconnect();
    }
    expect(text()).not.toContain('pkce-verifier-kept-out-of-logs');
    expect(text()).toContain(NOT_AUTHENTICATED);
  });
});
