import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';

export class Database {
  constructor(readonly orm: MikroORM<AbstractSqlDriver>) {}
}
