import { createTestDatabase, type TestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm, type ModelOrm } from './create-orm.js';

const SHOW = `select pg_backend_pid() as pid, current_setting('statement_timeout') as statement, current_setting('idle_in_transaction_session_timeout') as idle, current_setting('lock_timeout') as lock`;

interface Shown {
  pid: number;
  statement: string;
  idle: string;
  lock: string;
}

/** The settings of `count` pooled sessions at once (each holds its own while it sleeps). */
async function showPooled(model: ModelOrm, count: number): Promise<Shown[]> {
  const connection = model.orm.em.getConnection();
  return Promise.all(
    Array.from({ length: count }, () =>
      connection.transactional(async (trx) => {
        const [shown] = await connection.execute<Shown[]>(SHOW, [], 'all', trx);
        await connection.execute('select pg_sleep(0.2)', [], 'all', trx);
        return shown!;
      }),
    ),
  );
}

describe('the PostgreSQL pool', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('t');
  });
  afterAll(async () => database?.drop());

  it('hands out sessions with a statement and an idle-in-transaction timeout, and no lock timeout', async () => {
    const model = await createOrm({ url: database.url, poolMax: 3 });
    try {
      const sessions = await showPooled(model, 3);
      expect(new Set(sessions.map((s) => s.pid)).size).toBe(3);
      for (const session of sessions)
        expect(session).toMatchObject({ statement: '5min', idle: '1min', lock: '0' });
    } finally {
      await model.close();
    }
  });

  it('keeps what the database sets itself', async () => {
    const admin = await createOrm({ url: database.url });
    await admin.orm.em
      .getConnection()
      .execute(`alter database "${database.name}" set statement_timeout = '42s'`);
    await admin.close();
    const model = await createOrm({ url: database.url });
    try {
      expect(await showPooled(model, 1)).toMatchObject([
        { statement: '42s', idle: '1min', lock: '0' },
      ]);
    } finally {
      await model.close();
    }
  });

  it('opens no more sessions than poolMax', async () => {
    const model = await createOrm({ url: database.url, poolMax: 2 });
    try {
      const sessions = await showPooled(model, 4);
      expect(new Set(sessions.map((s) => s.pid)).size).toBe(2);
    } finally {
      await model.close();
    }
  });
});
