import { afterEach, describe, expect, it } from 'vitest';
import { connectWithRetry, type DatabaseWaitLogger } from '../database/connect-with-retry.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { createOrm, MIGRATIONS_TABLE, type ModelOrm } from './create-orm.js';
import { NewerSchemaError } from './newer-schema.js';

/** As a newer version records the migration it applied, unknown to this build. */
const FROM_A_NEWER_VERSION = 'Migration20991231000000_from_a_newer_version';

const silent: DatabaseWaitLogger = { warn: () => undefined };

async function recordNewerMigration(model: ModelOrm): Promise<void> {
  await model.orm.em
    .getConnection()
    .execute(`insert into ${MIGRATIONS_TABLE} (name) values ('${FROM_A_NEWER_VERSION}')`);
}

async function startError(start: () => Promise<ModelOrm>): Promise<unknown> {
  return start().then(
    async (model) => {
      await model.close();
      return undefined;
    },
    (error: unknown) => error,
  );
}

function expectNewerSchemaError(error: unknown): void {
  expect(error).toBeInstanceOf(NewerSchemaError);
  expect((error as NewerSchemaError).unknownMigrations).toEqual([FROM_A_NEWER_VERSION]);
  const message = (error as Error).message;
  expect(message).toContain(`records migration ${FROM_A_NEWER_VERSION} that this build does not`);
  expect(message).toContain('roll forward to a version that has these migrations');
  expect(message).toContain('restore the database backup taken before the upgrade');
}

describe.each(testDrivers)('a database migrated by a newer version, on $dialect', (driver) => {
  let t: TestModel | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('refuses to start, naming the unknown migration, whether or not this start migrates', async () => {
    t = await driver.create();
    await recordNewerMigration(t.model);
    const url = t.url;

    expectNewerSchemaError(await startError(() => createOrm({ url, migrate: true })));
    for (const migrate of [true, false])
      expectNewerSchemaError(
        await startError(() =>
          connectWithRetry({ app: 'reconciler', url, migrate, waitMs: 30_000, logger: silent }),
        ),
      );
  });

  it('applies none of its own pending migrations on such a database', async () => {
    t = await driver.create({ migrate: false });
    const pending = await t.model.pendingMigrations();
    expect(pending.length).toBeGreaterThan(0);
    await recordNewerMigration(t.model);

    expectNewerSchemaError(await t.model.migrateUp().catch((error: unknown) => error));
    expect(await t.model.pendingMigrations()).toEqual(pending);
  });
});
