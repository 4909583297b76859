import { createTestDatabase, type TestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWithRetry } from '../database/connect-with-retry.js';
import { createTestCa, type TestCa } from '../test/test-ca.js';
import { tlsTerminator, type TlsTerminator } from '../test/tls-terminator.js';
import { createOrm, type ModelOrm } from './create-orm.js';
import { withMigrationLock } from './migration-lock.js';

/** The URL with `params` added to its query string. */
function withParams(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(params)) parsed.searchParams.set(key, value);
  return parsed.toString();
}

/** connectWithRetry as the reconciler starts; the error it throws, or undefined. */
async function startError(url: string, migrate = true): Promise<Error | undefined> {
  return connectWithRetry({
    app: 'reconciler',
    url,
    migrate,
    waitMs: 30_000,
    logger: { warn: () => undefined },
  }).then(
    async (model) => {
      await model.close();
      return undefined;
    },
    (e: unknown) => e as Error,
  );
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
    const error = await startError(url, false);
    expect(error?.message).toMatch(/self[- ]signed certificate/);
    expect(error?.message).not.toContain(new URL(database.url).password);
  });
});

// A managed PostgreSQL with a private CA: its certificate chains to a CA only sslrootcert names.
// The shared test server's certificate cannot be swapped for one, so a TLS-terminating front with
// certificates from CAs made here (openssl) stands before it; the queries still reach PostgreSQL.
describe("DATABASE_URL's sslrootcert with sslmode=verify-full on PostgreSQL", () => {
  let database: TestDatabase;
  let privateCa: TestCa;
  let otherCa: TestCa;
  let front: TlsTerminator;
  let password: string;
  beforeAll(async () => {
    database = await createTestDatabase('rootcert');
    password = new URL(database.url).password;
    privateCa = createTestCa('private-ca');
    otherCa = createTestCa('other-ca');
    front = await tlsTerminator(database.url, privateCa.issue(['DNS:localhost', 'IP:127.0.0.1']));
  });
  afterAll(async () => {
    await front?.close();
    await database?.drop();
  });

  it('trusts a certificate signed by that CA: the pool and the migration lock connect', async () => {
    const url = withParams(front.url, { sslmode: 'verify-full', sslrootcert: privateCa.certFile });
    const before = front.handshakes;
    const model = await connectWithRetry({
      app: 'reconciler',
      url,
      migrate: true,
      waitMs: 30_000,
      logger: { warn: () => undefined },
    });
    try {
      expect(await model.pendingMigrations()).toEqual([]);
      const [row] = await model.orm.em
        .getConnection()
        .execute<{ name: string }[]>('select current_database() as name');
      expect(row!.name).toBe(new URL(database.url).pathname.slice(1));
    } finally {
      await model.close();
    }
    // The migration lock's session and the pool's, both through the front's TLS.
    expect(front.handshakes - before).toBeGreaterThanOrEqual(2);
  });

  it('without sslrootcert refuses the same certificate, saying how to name the private CA', async () => {
    const error = await startError(withParams(front.url, { sslmode: 'verify-full' }));
    expect(error?.message).toContain(
      'The reconciler does not trust the TLS certificate of PostgreSQL at 127.0.0.1:',
    );
    expect(error?.message).toContain("DATABASE_URL's sslrootcert");
  });

  it('against a wrong CA fails at once, naming sslrootcert and the TLS reason, never the password', async () => {
    const url = withParams(front.url, { sslmode: 'verify-full', sslrootcert: otherCa.certFile });
    const started = Date.now();
    const error = await startError(url);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error?.message).toContain(
      `(unable to verify the first certificate): it must be signed by the CA certificate in DATABASE_URL's sslrootcert (${JSON.stringify(otherCa.certFile)}) and name the host.`,
    );
    expect(error?.message).not.toContain('--use-system-ca');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(password);
  });

  it('checks the host name too: a certificate of that CA for another host is refused', async () => {
    const elsewhere = await tlsTerminator(database.url, privateCa.issue(['DNS:db.example.com']));
    try {
      const url = withParams(elsewhere.url, {
        sslmode: 'verify-full',
        sslrootcert: privateCa.certFile,
      });
      const error = await startError(url);
      expect(error?.message).toContain(
        'does not trust the TLS certificate of PostgreSQL at 127.0.0.1:',
      );
      expect(error?.message).toContain(
        "does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list",
      );
    } finally {
      await elsewhere.close();
    }
  });

  it('refuses a missing sslrootcert file before connecting, naming it, never the password', async () => {
    const missing = `${privateCa.certFile}.missing`;
    const before = front.handshakes;
    const error = await startError(
      withParams(front.url, { sslmode: 'verify-full', sslrootcert: missing }),
    );
    expect(error?.message).toBe(
      `DATABASE_URL's sslrootcert names ${JSON.stringify(missing)}, which cannot be read (no such file): put the file there or correct the path in DATABASE_URL.`,
    );
    expect(error?.message).not.toContain(password);
    expect(front.handshakes).toBe(before);
  });
});
