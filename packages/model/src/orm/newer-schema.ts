import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { appliedMigrations } from './applied-migrations.js';

/**
 * The database records migrations this build does not have: a newer version migrated it, and
 * this one (typically after `helm rollback`) would run old code on the newer schema.
 */
export class NewerSchemaError extends Error {
  override readonly name = 'NewerSchemaError';
  constructor(readonly unknownMigrations: string[]) {
    super(
      `the database schema is newer than this build: it records ${unknownMigrations.length === 1 ? 'migration' : 'migrations'} ${unknownMigrations.join(', ')} that this build does not have (was a newer version rolled back?). ` +
        'This build refuses to run on it: roll forward to a version that has these migrations, or restore the database backup taken before the upgrade.',
    );
  }
}

/**
 * Throws NewerSchemaError when the migrations table names a migration missing from `known`
 * (Umzug itself ignores them). Only reads: a database without the table has applied nothing.
 */
export async function assertNoNewerMigrations(
  orm: MikroORM<AbstractSqlDriver>,
  known: string[],
): Promise<void> {
  const knownNames = new Set(known);
  const unknown = (await appliedMigrations(orm)).filter((name) => !knownNames.has(name));
  if (unknown.length > 0) throw new NewerSchemaError(unknown);
}
