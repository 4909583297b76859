import type { Migrator } from '@mikro-orm/migrations';
import { afterEach, describe, expect, it } from 'vitest';
import { connectWithRetry, type DatabaseWaitLogger } from '../database/connect-with-retry.js';
import { postgresqlMigrations } from '../migrations/postgresql/index.js';
import { testDrivers, type TestModel } from '../test/drivers.js';
import { MIGRATIONS_TABLE, type ModelOrm } from './create-orm.js';
import { OlderSchemaError } from './older-schema.js';

const silent: DatabaseWaitLogger = { warn: () => undefined };
// Both dialects carry the same migration names (migrations.int.test.ts checks it).
const ALL = postgresqlMigrations.map((m) => m.name);
const JOB = 'xao-xero-access-migrate';

/** A start as the apps make it with DATABASE_MIGRATE=false; the error it refuses with. */
async function startError(url: string, migrationJob?: string): Promise<unknown> {
  return connectWithRetry({
    app: 'reconciler',
    url,
    migrate: false,
    waitMs: 30_000,
    logger: silent,
    migrationJob,
  }).then(
    async (model: ModelOrm) => {
      await model.close();
      return undefined;
    },
    (error: unknown) => error,
  );
}

describe.each(testDrivers)('a start that does not migrate, on $dialect', (driver) => {
  let t: TestModel | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('refuses a database without a schema, naming the migration Job, and changes nothing', async () => {
    t = await driver.create({ migrate: false });

    const error = await startError(t.url, JOB);
    expect(error).toBeInstanceOf(OlderSchemaError);
    expect((error as OlderSchemaError).pendingMigrations).toEqual(ALL);
    expect((error as Error).message).toBe(
      `the database has no schema yet: none of this build's ${ALL.length} migrations is applied, ` +
        'and this start does not apply migrations (DATABASE_MIGRATE=false). This build refuses to run on it. ' +
        `The migration Job ${JOB} applies them before every helm install and upgrade (not with --no-hooks): ` +
        `check that it ran and succeeded (a failed one is kept for its logs: kubectl logs job/${JOB}), then restart this pod. ` +
        'Or apply them yourself: xao-model migrate --url <a DATABASE_URL whose user may change the schema>.',
    );
    // Only read: a runtime user may not create tables, and must not need to.
    await expect(
      t.model.orm.em.getConnection().execute(`select name from ${MIGRATIONS_TABLE}`),
    ).rejects.toThrow(/mikro_orm_migrations/);
  });

  it('names the migrations a database lacks, and starts once they are applied', async () => {
    t = await driver.create({ migrate: false });
    const [last, secondLast] = [ALL.at(-1)!, ALL.at(-2)!];
    await t.model.orm.getMigrator<Migrator>().up({ to: secondLast });

    const error = await startError(t.url);
    expect(error).toBeInstanceOf(OlderSchemaError);
    expect((error as OlderSchemaError).pendingMigrations).toEqual([last]);
    expect((error as Error).message).toBe(
      `the database schema is older than this build: it lacks migration ${last}, ` +
        'and this start does not apply migrations (DATABASE_MIGRATE=false). This build refuses to run on it. ' +
        'Apply them first: xao-model migrate --url <a DATABASE_URL whose user may change the schema>, ' +
        'or start with DATABASE_MIGRATE=true.',
    );

    expect(await t.model.migrateUp()).toEqual([last]);
    expect(await startError(t.url, JOB)).toBeUndefined();
  });
});
