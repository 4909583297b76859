import { createTestDatabase, type TestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWithRetry } from '../database/connect-with-retry.js';
import { createOrm, type ModelOrm } from './create-orm.js';
import { withMigrationLock } from './migration-lock.js';

/** The URL with `params` added to its query string. */
function withParams(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(params)) parsed.searchParams.set(key, value);
  return parsed.toString();
}

async function sessionUsesTls(model: ModelOrm): Promise<boolean> {
  const [row] = await model.orm.em
    .getConnection()
    .execute<{ ssl: boolean }[]>('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
  return row!.ssl;
}

// The local PostgreSQL has TLS on (scripts/services.sh makes sure), with a self-signed certificate.
describe('DATABASE_URL TLS parameters on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('tls');
    const model = await createOrm({ url: database.url });
    try {
      const [row] = await model.orm.em.getConnection().execute<{ ssl: string }[]>('show ssl');
      expect(row!.ssl, 'the test PostgreSQL must have ssl = on (npm run services:up)').toBe('on');
    } finally {
      await model.close();
    }
  });
  afterAll(() => database?.drop());

  it.each([
    ['sslmode=no-verify', { sslmode: 'no-verify' }, true],
    ['no sslmode', {}, false],
    ['sslmode=disable', { sslmode: 'disable' }, false],
  ])('%s: the pool and the migration lock connect as the URL says', async (_, params, tls) => {
    const url = withParams(database.url, params);
    const model = await createOrm({ url, poolMax: 2 });
    try {
      expect(await sessionUsesTls(model)).toBe(tls);
      const lockHolderUsesTls = await withMigrationLock(url, async () => {
        const rows = await model.orm.em.getConnection().execute<{ ssl: boolean }[]>(
          `select s.ssl from pg_locks l join pg_stat_ssl s on s.pid = l.pid
           where l.locktype = 'advisory' and l.granted
             and l.database = (select oid from pg_database where datname = current_database())`,
        );
        return rows.map((row) => row.ssl);
      });
      expect(lockHolderUsesTls).toEqual([tls]);
    } finally {
      await model.close();
    }
  });

  it('verify-full checks the certificate: a self-signed one fails at once, without the password', async () => {
    const url = withParams(database.url, { sslmode: 'verify-full' });
    const error = await connectWithRetry({
      app: 'reconciler',
      url,
      migrate: false,
      waitMs: 30_000,
      logger: { warn: () => undefined },
    }).then(
      async (model) => {
        await model.close();
        return undefined;
      },
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/self[- ]signed certificate/);
    expect(error?.message).not.toContain(new URL(database.url).password);
  });
});
