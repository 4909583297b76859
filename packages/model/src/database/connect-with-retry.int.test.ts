import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, freePort, latePort, type TestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm } from '../orm/create-orm.js';
import { holdWriteLock } from '../test/hold-write-lock.js';
import { connectWithRetry, type DatabaseWaitLogger } from './connect-with-retry.js';

/** Keeps what connectWithRetry logs, as pino would write it; `onLine` sees each line. */
function recordingLogger(
  onLine: (count: number) => void = () => undefined,
): DatabaseWaitLogger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    warn: (details, msg) => {
      lines.push({ ...details, msg });
      onLine(lines.length);
    },
  };
}

const silent: DatabaseWaitLogger = { warn: () => undefined };

describe('connectWithRetry (real PostgreSQL behind a port that opens late)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('retry');
  });
  afterAll(() => database?.drop());

  it('waits while PostgreSQL refuses connections, logging each wait, then opens the model', async () => {
    const late = await latePort(database.url);
    // The port opens once two waits were logged, however slow the machine is.
    const logger = recordingLogger((count) => {
      if (count === 2) void late.open();
    });
    const started = Date.now();
    try {
      const orm = await connectWithRetry({
        app: 'reconciler',
        url: late.url,
        migrate: true,
        waitMs: 30_000,
        logger,
      });
      // 1 s, then 2 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
      expect(orm.dialect).toBe('postgresql');
      await orm.close();
    } finally {
      await late.close();
    }
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[0]).toMatchObject({
      msg: 'database not available yet; retrying',
      cause: 'ECONNREFUSED',
      database: `PostgreSQL at 127.0.0.1:${late.port}`,
      attempt: 1,
      retryInMs: 1_000,
    });
    expect(logger.lines[1]).toMatchObject({ attempt: 2, retryInMs: 2_000 });
    expect(JSON.stringify(logger.lines)).not.toContain(new URL(database.url).password);
  });

  it('gives up after the wait with an error naming the app, the database, the cause and the setting', async () => {
    const url = new URL(database.url);
    url.port = String(await freePort());
    const started = Date.now();
    const error = await connectWithRetry({
      app: 'admin API',
      url: url.toString(),
      migrate: false,
      waitMs: 2_000,
      logger: silent,
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error?.message).toMatch(
      /^The database the admin API is configured with \(PostgreSQL at 127\.0\.0\.1:\d+, DATABASE_URL\) is not available \(ECONNREFUSED\) after \d+ s of trying: check that it is running and reachable from the admin API, or wait longer with DATABASE_STARTUP_WAIT\.$/,
    );
    expect(error?.message).not.toContain(url.password);
  });

  it('throws other errors at once', async () => {
    const started = Date.now();
    await expect(
      connectWithRetry({
        app: 'reconciler',
        url: 'mysql://nowhere/db',
        migrate: false,
        waitMs: 30_000,
        logger: silent,
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('connectWithRetry (a real SQLite file another connection holds locked)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'xao-connect-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('waits while the migration finds the database busy, then opens the model', async () => {
    const url = `sqlite://${join(dir, 'busy.db')}`;
    // Another replica's write transaction (say, its own migration) holding the lock.
    const other = await createOrm({ url });
    const lock = await holdWriteLock(other);
    const logger = recordingLogger((count) => {
      if (count === 1) lock.release();
    });
    try {
      const orm = await connectWithRetry({
        app: 'reconciler',
        url,
        migrate: true,
        waitMs: 30_000,
        logger,
      });
      expect(orm.dialect).toBe('sqlite');
      await orm.close();
    } finally {
      lock.release();
      await lock.done;
      await other.close();
    }
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      msg: 'database busy; retrying',
      kind: 'busy',
      cause: expect.stringMatching(/^SQLITE_BUSY/),
      attempt: 1,
    });
  }, 30_000);
});
