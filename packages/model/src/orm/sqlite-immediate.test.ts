import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holdWriteLock } from '../test/hold-write-lock.js';
import { createOrm, type ModelOrm } from './create-orm.js';

/** Another process writing the same file (as the reconciler does), with a short busy timeout. */
function writeFromAnotherProcess(file: string): string {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `const D = require(process.argv[1]); const db = new D(process.argv[2], { timeout: 200 });
try { db.exec('insert into t values (2)'); console.log('written'); } catch (e) { console.log(e.code); }`;
  return spawnSync(process.execPath, ['-e', script, driver, file], {
    encoding: 'utf8',
  }).stdout.trim();
}

describe('SQLite transactions shared with another process', () => {
  let dir: string;
  let file: string;
  let model: ModelOrm;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xao-sqlite-'));
    file = join(dir, 'shared.db');
    model = await createOrm({ url: `sqlite://${file}` });
    await model.orm.em.getConnection().execute('create table t (x integer)');
  });
  afterEach(async () => {
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hold the write lock from BEGIN, so a read-then-write is not refused when the file changes', async () => {
    let other = '';
    await model.orm.em.fork().transactional(async (em) => {
      await em.execute('select count(*) as n from t');
      // With a deferred BEGIN the other process writes here, and the write below fails at
      // once with SQLITE_BUSY_SNAPSHOT ("database is locked"), whatever the busy timeout.
      other = writeFromAnotherProcess(file);
      await em.execute('insert into t values (1)');
    });
    expect(other).toBe('SQLITE_BUSY');
    expect(await model.orm.em.getConnection().execute('select x from t')).toEqual([{ x: 1 }]);
    expect(writeFromAnotherProcess(file)).toBe('written');
  });

  it("fail with SQLite's busy error when the lock stays taken past the busy timeout", async () => {
    const other = await createOrm({ url: `sqlite://${file}` });
    const lock = await holdWriteLock(other);
    try {
      const write = model.orm.em
        .fork()
        .transactional((em) => em.execute('insert into t values (3)'));
      // Not knex's "Transaction query already complete" from a BEGIN it swallowed.
      await expect(write).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    } finally {
      lock.release();
      await lock.done;
      await other.close();
    }
  }, 15_000);
});
