import { createServer, connect, type Server, type Socket } from 'node:net';
import { createTestDatabase, freePort, type TestDatabase } from '@xero-access/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWithRetry } from './connect-with-retry.js';

/** Forwards a loopback port to the real PostgreSQL, from when it is started. */
function tcpProxy(port: number, to: URL): { start(): Promise<void>; stop(): Promise<void> } {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    start: () =>
      new Promise<void>((resolve) => {
        server = createServer((client) => {
          const upstream = connect(Number(to.port || 5432), to.hostname);
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('error', () => s.destroy());
            s.on('close', () => sockets.delete(s));
          }
          client.pipe(upstream).pipe(client);
        });
        server.listen(port, '127.0.0.1', resolve);
      }),
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    },
  };
}

describe('connectWithRetry (real PostgreSQL behind a port that opens late)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('retry');
  });
  afterAll(() => database?.drop());

  it('waits while PostgreSQL refuses connections, logging each wait, then opens the model', async () => {
    const port = await freePort();
    const url = new URL(database.url);
    const proxy = tcpProxy(port, url);
    const late = new URL(database.url);
    late.port = String(port);
    const lines: { msg: string; cause?: string; database?: string }[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );

    const opening = setTimeout(() => void proxy.start(), 2_500);
    const started = Date.now();
    try {
      const orm = await connectWithRetry({
        url: late.toString(),
        migrate: true,
        waitMs: 30_000,
        logger,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
      expect(orm.dialect).toBe('postgresql');
      await orm.close();
    } finally {
      clearTimeout(opening);
      await proxy.stop();
    }
    // 1 s, then 2 s: two waits before the port opened at 2.5 s.
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatchObject({
      msg: 'database not available yet; retrying',
      cause: 'ECONNREFUSED',
      database: `PostgreSQL at 127.0.0.1:${port}`,
    });
    expect(JSON.stringify(lines)).not.toContain(url.password);
  });

  it('gives up after the wait with an error naming the database, the cause and the setting', async () => {
    const url = new URL(database.url);
    url.port = String(await freePort());
    const started = Date.now();
    const error = await connectWithRetry({
      url: url.toString(),
      migrate: false,
      waitMs: 2_000,
      logger: pino({ level: 'silent' }),
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error?.message).toMatch(
      /^The database the reconciler is configured with \(PostgreSQL at 127\.0\.0\.1:\d+, DATABASE_URL\) is not available \(ECONNREFUSED\) after \d+ s of trying: .*DATABASE_STARTUP_WAIT\.$/,
    );
    expect(error?.message).not.toContain(url.password);
  });

  it('throws other errors at once', async () => {
    const started = Date.now();
    await expect(
      connectWithRetry({
        url: 'mysql://nowhere/db',
        migrate: false,
        waitMs: 30_000,
        logger: pino({ level: 'silent' }),
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
