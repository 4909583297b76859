import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../orm/database-url.js';

/**
 * What every service gets: a fresh EntityManager per operation, the dialect for SQL details, and
 * the clock that stamps what is written (the system clock; tests may set their own).
 */
export interface ServiceContext {
  em(): SqlEntityManager;
  dialect: Dialect;
  clock(): Date;
}

/** A XeroConnection resource: namespace and name. */
export interface ConnectionRef {
  namespace: string;
  name: string;
}

export function connectionKey(ref: ConnectionRef): string {
  return `${ref.namespace}/${ref.name}`;
}
