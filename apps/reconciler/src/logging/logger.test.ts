import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

const PASSWORD = 'S3cretRedisPw';
const REFUSAL = 'WRONGPASS invalid username-password pair or user is disabled.';

/** Splits RESP arrays (`*N\r\n` then N `$len\r\n<bytes>\r\n`) off the front of a buffer. */
function takeCommands(buffer: Buffer): { commands: number; rest: Buffer } {
  let commands = 0;
  let offset = 0;
  for (;;) {
    const header = buffer.indexOf('\r\n', offset);
    if (header === -1 || buffer[offset] !== 0x2a /* '*' */) break;
    const count = Number(buffer.subarray(offset + 1, header).toString());
    let cursor = header + 2;
    let complete = true;
    for (let i = 0; i < count; i++) {
      const lengthEnd = buffer.indexOf('\r\n', cursor);
      if (lengthEnd === -1) {
        complete = false;
        break;
      }
      cursor = lengthEnd + 2 + Number(buffer.subarray(cursor + 1, lengthEnd).toString()) + 2;
      if (cursor > buffer.length) {
        complete = false;
        break;
      }
    }
    if (!complete) break;
    commands += 1;
    offset = cursor;
  }
  return { commands, rest: buffer.subarray(offset) };
}

/** A Redis that refuses every command the way a server with another password does. */
async function refusingRedis(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const { commands, rest } = takeCommands(Buffer.concat([pending, chunk]));
      pending = rest;
      for (let i = 0; i < commands; i++) socket.write(`-${REFUSAL}\r\n`);
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

function memorySink(): {
  sink: Writable;
  text: () => string;
  lines: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const sink = new Writable({
    write: (chunk, _encoding, done) => (chunks.push(String(chunk)), done()),
  });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { sink, text, lines };
}

describe('createLogger', () => {
  let redis: Awaited<ReturnType<typeof refusingRedis>>;
  beforeEach(async () => {
    redis = await refusingRedis();
  });
  afterEach(async () => {
    for (const socket of redis.sockets) socket.destroy();
    redis.server.close();
    await once(redis.server, 'close');
  });

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
    expect(text()).toContain(REFUSAL);
    const logged = lines();
    expect(logged.length).toBe(events.length + 1);
    for (const line of logged)
      expect(line.err).toMatchObject({
        type: 'ReplyError',
        message: REFUSAL,
        stack: expect.stringContaining(REFUSAL),
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
    expect(text()).toContain(REFUSAL);
  });

  it('still redacts credentials outside errors', () => {
    const { sink, lines } = memorySink();
    createLogger('info', sink).info(
      { clientSecret: 'cs-secret', secret: { password: 'pw' }, connection: 'finance/acme' },
      'hello',
    );
    expect(lines()[0]).toMatchObject({
      clientSecret: '[redacted]',
      secret: '[redacted]',
      connection: 'finance/acme',
      app: 'reconciler',
    });
  });
});
