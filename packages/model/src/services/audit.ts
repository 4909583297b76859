import type { SqlEntityManager } from '@mikro-orm/knex';
import { type AuditOutcome, AuditLogEntry } from '../entities/audit-log-entry.js';
import { assertValidDate, ValidationError } from '../errors.js';
import { newId } from '../ids.js';
import { replaceNul } from './nul-guard.js';
import type { ServiceContext } from './context.js';
import { type Page, type PageRequest, newestFirstPage } from './pagination.js';

export interface AuditEntryInput {
  actor: string;
  actorRole?: string | null;
  /** e.g. `finding.accept-risk`, `staff.create`. */
  action: string;
  resourceType: string;
  resourceId?: string | null;
  sourceIp?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  outcome?: AuditOutcome;
  /** What changed; never secrets. */
  details?: Record<string, unknown> | null;
  /**
   * About the actor beyond its name (e.g. the OS user who ran a CLI command given `--actor`),
   * added to `details`; a key of `details` wins.
   */
  actorDetails?: Record<string, unknown> | null;
}

/** Who made a change, for an entry a service writes itself in the change's own transaction. */
export type AuditActor = Pick<
  AuditEntryInput,
  'actor' | 'actorRole' | 'sourceIp' | 'userAgent' | 'requestId' | 'actorDetails'
>;

export interface AuditEntryRecord extends Required<
  Omit<AuditEntryInput, 'outcome' | 'actorDetails'>
> {
  id: string;
  at: Date;
  outcome: AuditOutcome;
}

/** What is known once the write has run: its outcome, and who and what it turned out to be. */
export interface AuditSettlement {
  outcome: Exclude<AuditOutcome, 'pending'>;
  actor?: string;
  resourceId?: string | null;
  details?: Record<string, unknown> | null;
}

export function toAuditEntryRecord(e: AuditLogEntry): AuditEntryRecord {
  return {
    id: e.id,
    at: e.at,
    actor: e.actor,
    actorRole: e.actorRole,
    action: e.action,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    sourceIp: e.sourceIp,
    userAgent: e.userAgent,
    requestId: e.requestId,
    outcome: e.outcome,
    details: e.details,
  };
}

const clip = (value: string | null | undefined, max: number) =>
  value == null ? null : value.slice(0, max);

/**
 * Adds one entry to `em` (flushed with the caller's other changes, so a service can record what a
 * change overwrote in the change's own transaction: both are kept, or neither).
 */
export function addAuditEntry(em: SqlEntityManager, raw: AuditEntryInput, at: Date): AuditLogEntry {
  const input = replaceNul(raw);
  for (const field of ['actor', 'action', 'resourceType'] as const) {
    if (typeof input[field] !== 'string' || input[field].trim() === '')
      throw new ValidationError(field, 'must be a non-empty string');
  }
  return em.create(AuditLogEntry, {
    id: newId(),
    at,
    actor: clip(input.actor, 255)!,
    actorRole: clip(input.actorRole, 32),
    action: clip(input.action, 128)!,
    resourceType: clip(input.resourceType, 64)!,
    resourceId: clip(input.resourceId, 512),
    sourceIp: clip(input.sourceIp, 64),
    userAgent: clip(input.userAgent, 512),
    requestId: clip(input.requestId, 128),
    outcome: input.outcome ?? 'success',
    details: input.actorDetails
      ? { ...input.actorDetails, ...input.details }
      : (input.details ?? null),
  });
}

export class AuditLogService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Appends one entry (audit entries are never updated or deleted through this API). */
  async append(raw: AuditEntryInput, at = new Date()): Promise<AuditEntryRecord> {
    const em = this.ctx.em();
    const entry = addAuditEntry(em, raw, at);
    await em.flush();
    return toAuditEntryRecord(entry);
  }

  /**
   * Records the outcome of a `pending` entry. Only a pending entry changes, so a settled entry is
   * never rewritten; false when `id` is unknown or already settled.
   */
  async settle(id: string, raw: AuditSettlement): Promise<boolean> {
    const settlement = replaceNul(raw);
    if (settlement.actor !== undefined && settlement.actor.trim() === '')
      throw new ValidationError('actor', 'must be a non-empty string');
    const changes: Partial<AuditLogEntry> = { outcome: settlement.outcome };
    if (settlement.actor !== undefined) changes.actor = clip(settlement.actor, 255)!;
    if (settlement.resourceId !== undefined) changes.resourceId = clip(settlement.resourceId, 512);
    if (settlement.details !== undefined) changes.details = settlement.details;
    const updated = await this.ctx
      .em()
      .nativeUpdate(AuditLogEntry, { id, outcome: 'pending' }, changes);
    return updated === 1;
  }

  /** Newest first, keyset-paginated. */
  async list(
    filter: {
      actor?: string;
      action?: string;
      resourceType?: string;
      resourceId?: string;
      since?: Date;
      until?: Date;
    } = {},
    page: PageRequest = {},
  ): Promise<Page<AuditEntryRecord>> {
    const em = this.ctx.em();
    const qb = em.createQueryBuilder(AuditLogEntry, 'a').select('*');
    if (filter.actor !== undefined) qb.andWhere({ actor: filter.actor });
    if (filter.action !== undefined) qb.andWhere({ action: filter.action });
    if (filter.resourceType !== undefined) qb.andWhere({ resourceType: filter.resourceType });
    if (filter.resourceId !== undefined) qb.andWhere({ resourceId: filter.resourceId });
    if (filter.since !== undefined) assertValidDate('since', filter.since);
    if (filter.until !== undefined) assertValidDate('until', filter.until);
    if (filter.since !== undefined) qb.andWhere({ at: { $gte: filter.since } });
    if (filter.until !== undefined) qb.andWhere({ at: { $lt: filter.until } });
    return newestFirstPage(em, qb, {
      scope: 'audit',
      column: 'a.at',
      property: 'at',
      timeOf: (e) => e.at,
      page,
      map: toAuditEntryRecord,
    });
  }
}
