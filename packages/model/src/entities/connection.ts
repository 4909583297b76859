import { EntitySchema } from '@mikro-orm/core';

export interface ConnectionTenant {
  tenantId: string;
  tenantName: string;
  /** Xero's connection id for the tenant (for DELETE /connections/{id}). */
  connectionId: string | null;
}

/** One XeroConnection resource, keyed by namespace/name; outlives the resource as evidence. */
export class Connection {
  id!: string;
  namespace!: string;
  name!: string;
  tenants: ConnectionTenant[] = [];
  criticalSystem: boolean | null = null;
  lastSyncAt: Date | null = null;
  userCount: number | null = null;
  /** Set when the resource is deleted; snapshots and findings stay. */
  deletedAt: Date | null = null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const ConnectionSchema = new EntitySchema<Connection>({
  class: Connection,
  tableName: 'connection',
  properties: {
    id: { type: 'uuid', primary: true },
    namespace: { type: 'string', length: 253 },
    name: { type: 'string', length: 253 },
    tenants: { type: 'json' },
    criticalSystem: { type: 'boolean', nullable: true },
    lastSyncAt: { type: 'datetime', nullable: true },
    userCount: { type: 'integer', nullable: true },
    deletedAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
  uniques: [{ name: 'connection_namespace_name_unique', properties: ['namespace', 'name'] }],
});
