import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDrivers, type TestModel } from '../test/drivers.js';

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
