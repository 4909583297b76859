import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { appliedMigrations } from './applied-migrations.js';

/** What refuses the database, and what applies the migrations instead, for the error's remedy. */
export interface OlderSchemaContext {
  /** What applies the migrations instead of this start (the Helm chart's Job). */
  migrationJob?: string;
  /**
   * A command that only reads the database (e.g. `xao-model verify-chain`), refusing in place of
   * an app's start: its error says to migrate first and run it again.
   */
  command?: string;
}

const MANUAL_MIGRATE = 'xao-model migrate --url <a DATABASE_URL whose user may change the schema>';

/**
 * The database lacks migrations this build has, and this start does not apply them
 * (DATABASE_MIGRATE=false, e.g. the Helm chart's migration Job applies them), or a command of
 * this build would read it: the code would fail on missing tables and columns at its first query
 * instead.
 */
export class OlderSchemaError extends Error {
  override readonly name = 'OlderSchemaError';
  constructor(
    readonly pendingMigrations: string[],
    applied: number,
    { migrationJob, command }: OlderSchemaContext = {},
  ) {
    const state =
      applied === 0
        ? `the database has no schema yet: none of this build's ${pendingMigrations.length} migrations is applied`
        : `the database schema is older than this build: it lacks ${pendingMigrations.length === 1 ? 'migration' : 'migrations'} ${pendingMigrations.join(', ')}`;
    if (command) {
      super(
        `${state}, so ${command} of this build cannot read it. Apply the migrations first: ${MANUAL_MIGRATE}, or with the Helm chart its migration Job (helm upgrade runs it before the apps start); then run ${command} again.`,
      );
      return;
    }
    const remedy = migrationJob
      ? `The migration Job ${migrationJob} applies them before every helm install and upgrade (not with --no-hooks): check that it ran and succeeded (a failed one is kept for its logs: kubectl logs job/${migrationJob}), then restart this pod. Or apply them yourself: ${MANUAL_MIGRATE}.`
      : `Apply them first: ${MANUAL_MIGRATE}, or start with DATABASE_MIGRATE=true.`;
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
  context: OlderSchemaContext = {},
): Promise<void> {
  const applied = await appliedMigrations(orm);
  const done = new Set(applied);
  const pending = known.filter((name) => !done.has(name));
  if (pending.length > 0) throw new OlderSchemaError(pending, applied.length, context);
}
