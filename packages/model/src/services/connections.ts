import { LockMode } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Connection, type ConnectionTenant } from '../entities/connection.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { isUuid, newId } from '../ids.js';
import { connectionsHolding, type HeldUsers } from './connections-holding.js';
import { connectionKey, type ConnectionRef, type ServiceContext } from './context.js';

export interface ConnectionRecord {
  id: string;
  namespace: string;
  name: string;
  /** `namespace/name` */
  key: string;
  tenants: ConnectionTenant[];
  criticalSystem: boolean | null;
  lastSyncAt: Date | null;
  userCount: number | null;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConnectionSync {
  tenants?: ConnectionTenant[];
  criticalSystem?: boolean;
  lastSyncAt?: Date;
  userCount?: number;
}

export function toConnectionRecord(c: Connection): ConnectionRecord {
  return {
    id: c.id,
    namespace: c.namespace,
    name: c.name,
    key: connectionKey(c),
    tenants: c.tenants,
    criticalSystem: c.criticalSystem,
    lastSyncAt: c.lastSyncAt,
    userCount: c.userCount,
    deletedAt: c.deletedAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function validateRef(ref: ConnectionRef): void {
  if (!NAME.test(ref.namespace))
    throw new ValidationError('connection.namespace', 'must be a Kubernetes namespace name');
  if (!NAME.test(ref.name))
    throw new ValidationError('connection.name', 'must be a Kubernetes object name');
}

/** The connection row for `ref`, created if missing; safe against a concurrent creator. */
export async function ensureConnection(
  em: SqlEntityManager,
  ref: ConnectionRef,
  now: Date,
  lock = false,
): Promise<Connection> {
  validateRef(ref);
  const where = { namespace: ref.namespace, name: ref.name };
  const existing = await em.findOne(
    Connection,
    where,
    lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
  );
  if (existing) return existing;
  await em
    .createQueryBuilder(Connection)
    .insert({ id: newId(), ...where, tenants: [], createdAt: now, updatedAt: now })
    .onConflict(['namespace', 'name'])
    .ignore()
    .execute();
  return em.findOneOrFail(Connection, where, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
}

/** `lock` takes a row lock (PostgreSQL, inside a transaction) to serialise writers of one connection. */
export async function findConnection(
  em: SqlEntityManager,
  ref: ConnectionRef,
  lock = false,
): Promise<Connection | null> {
  return em.findOne(
    Connection,
    { namespace: ref.namespace, name: ref.name },
    lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
  );
}

export class ConnectionService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Creates the connection if needed and records what the reconciler learnt on this sync. */
  async upsert(
    ref: ConnectionRef,
    sync: ConnectionSync = {},
    now = new Date(),
  ): Promise<ConnectionRecord> {
    return this.ctx.em().transactional(async (em) => {
      const connection = await ensureConnection(em, ref, now);
      if (sync.tenants !== undefined) connection.tenants = sync.tenants;
      if (sync.criticalSystem !== undefined) connection.criticalSystem = sync.criticalSystem;
      if (sync.lastSyncAt !== undefined) connection.lastSyncAt = sync.lastSyncAt;
      if (sync.userCount !== undefined) connection.userCount = sync.userCount;
      connection.deletedAt = null;
      connection.updatedAt = now;
      await em.flush();
      return toConnectionRecord(connection);
    });
  }

  async get(ref: ConnectionRef): Promise<ConnectionRecord | null> {
    const connection = await findConnection(this.ctx.em(), ref);
    return connection ? toConnectionRecord(connection) : null;
  }

  async getById(id: string): Promise<ConnectionRecord | null> {
    if (!isUuid(id)) return null;
    const connection = await this.ctx.em().findOne(Connection, { id });
    return connection ? toConnectionRecord(connection) : null;
  }

  /** All connections, by namespace then name (a few thousand at most: no paging). */
  async list(
    options: { namespace?: string; includeDeleted?: boolean } = {},
  ): Promise<ConnectionRecord[]> {
    const rows = await this.ctx.em().find(
      Connection,
      {
        ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
        ...(options.includeDeleted ? {} : { deletedAt: null }),
      },
      { orderBy: { namespace: 'asc', name: 'asc' } },
    );
    return rows.map(toConnectionRecord);
  }

  /**
   * The live connections (`namespace/name`, sorted) whose newest snapshot of some tenant lists one
   * of these Xero users or emails: those whose findings a change to them can change. One query.
   */
  async holding(users: HeldUsers): Promise<string[]> {
    return connectionsHolding(this.ctx.em(), this.ctx.dialect, users);
  }

  /** The resource was deleted: stop listing it, keep its snapshots and findings as evidence. */
  async markDeleted(ref: ConnectionRef, now = new Date()): Promise<ConnectionRecord> {
    return this.ctx.em().transactional(async (em) => {
      const connection = await findConnection(em, ref);
      if (!connection) throw new NotFoundError('connection', connectionKey(ref));
      // A finalizer retried after Xero failed keeps the first time of deletion.
      if (!connection.deletedAt) {
        connection.deletedAt = now;
        connection.updatedAt = now;
      }
      await em.flush();
      return toConnectionRecord(connection);
    });
  }
}
