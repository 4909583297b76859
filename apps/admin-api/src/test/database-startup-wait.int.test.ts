import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createTestDatabase,
  freePort,
  latePort,
  redisTestPrefix,
  serviceUrls,
  type TestDatabase,
} from '@xero-access/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../app/serve.js';
import { parseConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';

const WAIT = 'database not available yet; retrying';
/** The start-up line names it. */
const { version: PACKAGE_VERSION } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

/** The app's own JSON logger, written to an array; `onWait` sees the number of waits so far. */
function recordingLogger(onWait: (waits: number) => void = () => undefined) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', {
    write: (text: string) => {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      if (line.msg === WAIT) onWait(lines.filter((l) => l.msg === WAIT).length);
    },
  });
  return { logger, lines };
}

describe('admin API start-up while PostgreSQL is not up yet (DATABASE_STARTUP_WAIT)', () => {
  let database: TestDatabase;
  const prefix = redisTestPrefix('api-startup');
  beforeAll(async () => {
    database = await createTestDatabase('api_startup');
  });
  afterAll(async () => {
    const redis = new Redis(serviceUrls.redis);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await database?.drop();
  });

  const configFor = async (databaseUrl: string, wait: string) =>
    parseConfig({
      databaseUrl,
      migrate: 'true',
      databaseStartupWaitMs: wait,
      redisUrl: serviceUrls.redis,
      redisKeyPrefix: prefix,
      host: '127.0.0.1',
      port: await freePort(),
      metricsPort: 0,
      bootstrapAdminToken: `xao_${randomBytes(32).toString('base64url')}`,
      oidc: {},
      xero: {},
    });

  it('waits for the database, logging each wait, then listens (logging its version) and answers readiness', async () => {
    const late = await latePort(database.url);
    const config = await configFor(late.url, '60s');
    let firstWait!: () => void;
    const waiting = new Promise<void>((resolve) => (firstWait = resolve));
    // The database comes up once two waits were logged, however slow the machine is.
    const { logger, lines } = recordingLogger((waits) => {
      if (waits === 1) firstWait();
      if (waits === 2) void late.open();
    });
    const base = `http://127.0.0.1:${config.port}`;
    let server: RunningServer | undefined;
    try {
      const starting = startServer(config, logger);
      // While it waits nothing listens: the startup probe fails and liveness is not counted yet.
      await Promise.race([waiting, starting]);
      await expect(fetch(`${base}/health/live`)).rejects.toThrow();

      server = await starting;
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ok' });
      // Migrated and written to at start-up: the bootstrap token is valid.
      const findings = await fetch(`${base}/findings`, {
        headers: { authorization: `Bearer ${config.bootstrapAdminToken}` },
      });
      expect(findings.status).toBe(200);
    } finally {
      await server?.close();
      await late.close();
    }

    const waits = lines.filter((l) => l.msg === WAIT);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toMatchObject({
      level: 'warn',
      app: 'admin-api',
      cause: 'ECONNREFUSED',
      database: `PostgreSQL at 127.0.0.1:${late.port}`,
    });
    expect(JSON.stringify(lines)).not.toContain(new URL(database.url).password);
    expect(lines.find((l) => l.msg === 'admin API listening')).toMatchObject({
      version: PACKAGE_VERSION,
    });
  }, 90_000);

  it('gives up after DATABASE_STARTUP_WAIT with an error naming the admin API, the database and the setting', async () => {
    const url = new URL(database.url);
    url.port = String(await freePort());
    const config = await configFor(url.toString(), '2s');
    const { logger } = recordingLogger();
    const error = await startServer(config, logger).then(
      (server) => server.close().then(() => undefined),
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      /^The database the admin API is configured with \(PostgreSQL at 127\.0\.0\.1:\d+, DATABASE_URL\) is not available \(ECONNREFUSED\) after \d+ s of trying: .*DATABASE_STARTUP_WAIT\.$/,
    );
    expect(error?.message).not.toContain(url.password);
  }, 30_000);
});
