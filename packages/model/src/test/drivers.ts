import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll } from 'vitest';
import { createOrm, type ModelOrm } from '../orm/create-orm.js';
import type { Dialect } from '../orm/database-url.js';

export interface TestModel {
  model: ModelOrm;
  url: string;
  dispose(): Promise<void>;
}

export interface TestDriver {
  dialect: Dialect;
  /** A fresh, empty database; migrated unless `migrate: false`. */
  create(options?: { migrate?: boolean }): Promise<TestModel>;
}

/** The drivers every database suite runs against: `describe.each(testDrivers)`. */
export const testDrivers: TestDriver[] = [
  {
    dialect: 'postgresql',
    async create({ migrate = true } = {}) {
      const database = await createTestDatabase('t');
      const model = await createOrm({ url: database.url, migrate, poolMax: 4 });
      return {
        model,
        url: database.url,
        async dispose() {
          await model.close();
          await database.drop();
        },
      };
    },
  },
  {
    dialect: 'sqlite',
    async create({ migrate = true } = {}) {
      const dir = mkdtempSync(join(tmpdir(), 'xao-model-'));
      const url = `sqlite://${join(dir, 'test.db')}`;
      const model = await createOrm({ url, migrate });
      return {
        model,
        url,
        async dispose() {
          await model.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

/**
 * A fresh database for the enclosing `describe` block (created in beforeAll, dropped in
 * afterAll); read `model` and `url` inside tests.
 */
export function useTestModel(driver: TestDriver): Pick<TestModel, 'model' | 'url'> {
  let current: TestModel | undefined;
  beforeAll(async () => {
    current = await driver.create();
  });
  afterAll(async () => current?.dispose());
  const created = (): TestModel => {
    if (!current) throw new Error('the test database is created in beforeAll');
    return current;
  };
  return {
    get model() {
      return created().model;
    },
    get url() {
      return created().url;
    },
  };
}
