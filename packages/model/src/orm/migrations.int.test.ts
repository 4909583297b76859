import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { postgresqlMigrations } from '../migrations/postgresql/index.js';
import { sqliteMigrations } from '../migrations/sqlite/index.js';
import { createOrm } from './create-orm.js';

async function migrationNames(): Promise<string[]> {
  // Both dialects carry the same migration names (generated together).
  expect(postgresqlMigrations.map((m) => m.name)).toEqual(sqliteMigrations.map((m) => m.name));
  return postgresqlMigrations.map((m) => m.name);
}

describe.each(testDrivers)('migrations on $dialect', (driver) => {
  let t: TestModel;
  beforeAll(async () => {
    t = await driver.create({ migrate: false });
  });
  afterAll(async () => t?.dispose());

  it('lists the committed migrations as pending on an empty database, then applies them all', async () => {
    const pending = await t.model.pendingMigrations();
    expect(pending.length).toBeGreaterThan(0);
    expect(await t.model.migrateUp()).toEqual(pending);
    expect(await t.model.pendingMigrations()).toEqual([]);
  });

  it('leaves the schema exactly as the entity metadata describes it (no diff)', async () => {
    const diff = await t.model.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });

  it('is idempotent: running up again applies nothing', async () => {
    expect(await t.model.migrateUp()).toEqual([]);
  });
});

// PostgreSQL only: replicas share a PostgreSQL database; an embedded SQLite file has one writer.
describe.each(testDrivers.filter((d) => d.dialect === 'postgresql'))(
  'replicas starting together on $dialect',
  (driver) => {
    it('apply the migrations exactly once between them', async () => {
      const first = await driver.create({ migrate: false });
      const second = await createOrm({ url: first.url });
      try {
        const [a, b] = await Promise.all([first.model.migrateUp(), second.migrateUp()]);
        expect([...a, ...b]).toEqual(await migrationNames());
        expect(await second.pendingMigrations()).toEqual([]);
      } finally {
        await second.close();
        await first.dispose();
      }
    });
  },
);
