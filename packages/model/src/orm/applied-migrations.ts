import { TableNotFoundException, type MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import type { Migrator } from '@mikro-orm/migrations';

/**
 * The names the migrations table records, oldest first. Only reads: a database without the table
 * has applied nothing (the Migrator's own listing would create it, which a user without the right
 * to change the schema may not do).
 */
export async function appliedMigrations(orm: MikroORM<AbstractSqlDriver>): Promise<string[]> {
  try {
    return await orm.getMigrator<Migrator>().getStorage().executed();
  } catch (error) {
    const converted = orm.em.getDriver().convertException(error as Error);
    if (converted instanceof TableNotFoundException) return [];
    throw error;
  }
}
