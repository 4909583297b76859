import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../orm/database-url.js';

/** What every service gets: a fresh EntityManager per operation, and the dialect for SQL details. */
export interface ServiceContext {
  em(): SqlEntityManager;
  dialect: Dialect;
}

/** A XeroConnection resource: namespace and name. */
export interface ConnectionRef {
  namespace: string;
  name: string;
}

export function connectionKey(ref: ConnectionRef): string {
  return `${ref.namespace}/${ref.name}`;
}
