import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { appliedMigrations } from './applied-migrations.js';

/**
 * The database lacks migrations this build has, and this start does not apply them
 * (DATABASE_MIGRATE=false, e.g. the Helm chart's migration Job applies them): the code would fail
 * on missing tables and columns at its first query instead.
 */
export class OlderSchemaError extends Error {
  override readonly name = 'OlderSchemaError';
  constructor(
    readonly pendingMigrations: string[],
    applied: number,
    migrationJob?: string,
  ) {
    const state =
      applied === 0
        ? `the database has no schema yet: none of this build's ${pendingMigrations.length} migrations is applied`
        : `the database schema is older than this build: it lacks ${pendingMigrations.length === 1 ? 'migration' : 'migrations'} ${pendingMigrations.join(', ')}`;
    const manual = 'xao-model migrate --url <a DATABASE_URL whose user may change the schema>';
    const remedy = migrationJob
      ? `The migration Job ${migrationJob} applies them before every helm install and upgrade (not with --no-hooks): check that it ran and succeeded (a failed one is kept for its logs: kubectl logs job/${migrationJob}), then restart this pod. Or apply them yourself: ${manual}.`
      : `Apply them first: ${manual}, or start with DATABASE_MIGRATE=true.`;
    super(
      `${state}, and this start does not apply migrations (DATABASE_MIGRATE=false). This build refuses to run on it. ${remedy}`,
    );
  }
}

/**
 * Throws OlderSchemaError when a migration in `known` is not recorded as applied. Only reads, so a
 * user without the right to change the schema can run it.
 */
export async function assertNoPendingMigrations(
  orm: MikroORM<AbstractSqlDriver>,
  known: string[],
  migrationJob?: string,
): Promise<void> {
  const applied = await appliedMigrations(orm);
  const done = new Set(applied);
  const pending = known.filter((name) => !done.has(name));
  if (pending.length > 0) throw new OlderSchemaError(pending, applied.length, migrationJob);
}
