import { LockMode, raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Connection } from '../entities/connection.js';
import { FindingEvent, type FindingEventType } from '../entities/finding-event.js';
import { Finding, type FindingStatus } from '../entities/finding.js';
import { Snapshot } from '../entities/snapshot.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { planFindingChanges } from '../findings/plan.js';
import {
  findingKey,
  parseReportedFindings,
  type ReportedFinding,
  type ValidReportedFinding,
} from '../findings/reported-finding.js';
import { newId } from '../ids.js';
import { findConnection } from './connections.js';
import { connectionKey, type ConnectionRef, type ServiceContext } from './context.js';
import {
  toFindingEventRecord,
  toFindingRecord,
  type FindingEventRecord,
  type FindingRecord,
} from './finding-records.js';
import { listFindings, type FindingFilter, type FindingPageRequest } from './finding-query.js';
import type { Page } from './pagination.js';

/** What the caller turns into webhooks, Kubernetes Events and metrics. */
export interface FindingTransition {
  type: 'opened' | 'resolved' | 'reopened' | 'accepted-expired';
  /** The FindingEvent id: a stable idempotency key for webhook deliveries. */
  eventId: string;
  at: Date;
  finding: FindingRecord;
}

export interface ApplyFindingsResult {
  transitions: FindingTransition[];
  /** Open findings per check for the whole connection, after this evaluation. */
  openByCheck: Record<string, number>;
}

export interface AcceptRiskInput {
  reason: string;
  by: string;
  until: Date;
}

function fill(f: Finding, r: ValidReportedFinding, snapshot: Snapshot, now: Date): void {
  f.severity = r.severity;
  f.message = r.message;
  f.remediation = r.remediation ?? null;
  f.lastSeenAt = now;
  f.snapshot = snapshot;
  f.updatedAt = now;
}

function clearAcceptance(f: Finding): void {
  f.acceptedReason = null;
  f.acceptedBy = null;
  f.acceptedAt = null;
  f.acceptedUntil = null;
}

function addEvent(
  em: SqlEntityManager,
  finding: Finding,
  type: FindingEventType,
  from: FindingStatus | null,
  at: Date,
  extra: { snapshot?: Snapshot | null; actor?: string | null; note?: string | null } = {},
): FindingEvent {
  return em.create(FindingEvent, {
    id: newId(),
    finding,
    type,
    fromStatus: from,
    toStatus: finding.status,
    at,
    snapshot: extra.snapshot ?? null,
    actor: extra.actor ?? null,
    note: extra.note ?? null,
  });
}

async function openCounts(
  em: SqlEntityManager,
  connectionId?: string,
): Promise<Record<string, number>> {
  const qb = em
    .createQueryBuilder(Finding, 'f')
    .select(['f.check', raw('count(*) as n')])
    .where({ status: 'open' })
    .groupBy('f.check');
  if (connectionId) qb.andWhere({ connection: connectionId });
  const rows = (await qb.execute('all', false)) as { check: string; n: number | string }[];
  return Object.fromEntries(rows.map((r) => [r.check, Number(r.n)]));
}

export class FindingService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Applies one policy evaluation of the snapshot's tenant: upserts each reported finding by
   * connection + tenant + check + subject, resolves the scope's open or accepted findings that
   * were not reported, reopens resolved ones that recur, and turns an expired acceptance back
   * into an open finding. Accepted findings keep their status until `acceptedUntil <= now`.
   */
  async apply(
    connection: ConnectionRef,
    snapshotId: string,
    reported: readonly ReportedFinding[],
    now = new Date(),
  ): Promise<ApplyFindingsResult> {
    const byKey = parseReportedFindings(reported);
    return this.ctx.em().transactional(async (em) => {
      // One evaluation per connection at a time (PostgreSQL row lock; SQLite serialises anyway),
      // so two replicas cannot both insert the same new finding.
      const conn = await findConnection(em, connection, this.ctx.dialect === 'postgresql');
      if (!conn) throw new NotFoundError('connection', connectionKey(connection));
      const snapshot = await em.findOne(Snapshot, { id: snapshotId });
      if (!snapshot || snapshot.connection.id !== conn.id) {
        throw new ValidationError(
          'snapshotId',
          `is not a snapshot of connection ${connectionKey(connection)}`,
        );
      }
      const existing = await em.find(
        Finding,
        { connection: conn, tenantId: snapshot.tenantId },
        this.ctx.dialect === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
      );
      const byExistingKey = new Map(
        existing.map((f) => [
          findingKey({ check: f.check, subject: { kind: f.subjectKind, id: f.subjectId } }),
          f,
        ]),
      );
      const plan = planFindingChanges(
        existing.map((f) => ({
          key: findingKey({ check: f.check, subject: { kind: f.subjectKind, id: f.subjectId } }),
          status: f.status,
          acceptedUntil: f.acceptedUntil,
        })),
        byKey,
        now,
      );

      const events: [FindingTransition['type'], FindingEvent][] = [];
      for (const change of plan) {
        if (change.kind === 'open') {
          const r = change.reported;
          const f = em.create(Finding, {
            id: newId(),
            connection: conn,
            tenantId: snapshot.tenantId,
            check: r.check,
            subjectKind: r.subject.kind,
            subjectId: r.subject.id,
            severity: r.severity,
            status: 'open',
            message: r.message,
            remediation: r.remediation ?? null,
            firstSeenAt: now,
            lastSeenAt: now,
            snapshot,
            updatedAt: now,
          });
          events.push(['opened', addEvent(em, f, 'opened', null, now, { snapshot })]);
          continue;
        }
        const f = byExistingKey.get(change.key)!;
        const from = f.status;
        if (change.kind === 'resolve') {
          f.status = 'resolved';
          f.resolvedAt = now;
          f.updatedAt = now;
          clearAcceptance(f);
          events.push(['resolved', addEvent(em, f, 'resolved', from, now, { snapshot })]);
          continue;
        }
        fill(f, change.reported, snapshot, now);
        if (change.kind === 'reopen') {
          f.status = 'open';
          f.resolvedAt = null;
          events.push(['reopened', addEvent(em, f, 'reopened', from, now, { snapshot })]);
        } else if (change.kind === 'accepted-expired') {
          const note = `accepted risk expired at ${f.acceptedUntil?.toISOString()} (accepted by ${f.acceptedBy}: ${f.acceptedReason})`;
          f.status = 'open';
          clearAcceptance(f);
          events.push([
            'accepted-expired',
            addEvent(em, f, 'accepted-expired', from, now, { snapshot, note }),
          ]);
        }
      }
      await em.flush();
      return {
        transitions: events.map(([type, e]) => ({
          type,
          eventId: e.id,
          at: e.at,
          finding: toFindingRecord(e.finding, conn),
        })),
        openByCheck: await openCounts(em, conn.id),
      };
    });
  }

  async get(id: string): Promise<FindingRecord | null> {
    const f = await this.ctx.em().findOne(Finding, { id }, { populate: ['connection'] });
    return f ? toFindingRecord(f, f.connection) : null;
  }

  /** Filtered, keyset-paginated listing (see FindingFilter and FindingPageRequest). */
  async list(
    filter: FindingFilter = {},
    page: FindingPageRequest = {},
  ): Promise<Page<FindingRecord>> {
    return listFindings(this.ctx.em(), filter, page);
  }

  /** The finding's state changes, oldest first. */
  async history(id: string): Promise<FindingEventRecord[]> {
    const em = this.ctx.em();
    if (!(await em.count(Finding, { id }))) throw new NotFoundError('finding', id);
    const events = await em.find(
      FindingEvent,
      { finding: id },
      { orderBy: { at: 'asc', id: 'asc' } },
    );
    return events.map(toFindingEventRecord);
  }

  /** Accepts the risk of an open (or re-accepts an accepted) finding until `until`. */
  async acceptRisk(
    id: string,
    input: AcceptRiskInput,
    now = new Date(),
  ): Promise<{ finding: FindingRecord; event: FindingEventRecord }> {
    if (
      typeof input.reason !== 'string' ||
      input.reason.trim() === '' ||
      input.reason.length > 10_000
    ) {
      throw new ValidationError('reason', 'must be a non-empty string of at most 10000 characters');
    }
    if (typeof input.by !== 'string' || input.by.trim() === '' || input.by.length > 255)
      throw new ValidationError('by', 'must name who accepts the risk');
    if (
      !(input.until instanceof Date) ||
      Number.isNaN(input.until.getTime()) ||
      input.until <= now
    ) {
      throw new ValidationError('until', 'must be a date in the future');
    }
    return this.transition(id, now, (f) => {
      if (f.status === 'resolved')
        throw new ConflictError(
          `finding ${id} is resolved; only open or accepted findings can be accepted`,
        );
      f.status = 'accepted';
      f.acceptedReason = input.reason;
      f.acceptedBy = input.by;
      f.acceptedAt = now;
      f.acceptedUntil = input.until;
      return {
        type: 'accepted',
        actor: input.by,
        note: `${input.reason} (until ${input.until.toISOString()})`,
      };
    });
  }

  /** Withdraws an acceptance before it expires: the finding is open again. */
  async revokeAcceptance(
    id: string,
    by: string,
    now = new Date(),
    note: string | null = null,
  ): Promise<{ finding: FindingRecord; event: FindingEventRecord }> {
    return this.transition(id, now, (f) => {
      if (f.status !== 'accepted')
        throw new ConflictError(`finding ${id} is ${f.status}, not accepted`);
      f.status = 'open';
      clearAcceptance(f);
      return { type: 'acceptance-revoked', actor: by, note };
    });
  }

  /** Open findings per check, for one connection or all. */
  async openCounts(connection?: ConnectionRef): Promise<Record<string, number>> {
    const em = this.ctx.em();
    if (!connection) return openCounts(em);
    const conn = await findConnection(em, connection);
    return conn ? openCounts(em, conn.id) : {};
  }

  /** Open findings per check for every connection, keyed by `namespace/name` (for listings). */
  async openCountsByConnection(): Promise<Record<string, Record<string, number>>> {
    const rows = (await this.ctx
      .em()
      .createQueryBuilder(Finding, 'f')
      .select(['c.namespace', 'c.name', 'f.check', raw('count(*) as n')])
      .join('f.connection', 'c')
      .where({ status: 'open' })
      .groupBy(['c.namespace', 'c.name', 'f.check'])
      .execute('all', false)) as {
      namespace: string;
      name: string;
      check: string;
      n: number | string;
    }[];
    const counts: Record<string, Record<string, number>> = {};
    for (const r of rows) (counts[`${r.namespace}/${r.name}`] ??= {})[r.check] = Number(r.n);
    return counts;
  }

  private async transition(
    id: string,
    now: Date,
    change: (f: Finding) => { type: FindingEventType; actor: string; note: string | null },
  ): Promise<{ finding: FindingRecord; event: FindingEventRecord }> {
    return this.ctx.em().transactional(async (em) => {
      const f = await em.findOne(
        Finding,
        { id },
        this.ctx.dialect === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
      );
      if (!f) throw new NotFoundError('finding', id);
      const from = f.status;
      const { type, actor, note } = change(f);
      f.updatedAt = now;
      const event = addEvent(em, f, type, from, now, { actor, note });
      await em.flush();
      const conn = await em.findOneOrFail(Connection, { id: f.connection.id });
      return { finding: toFindingRecord(f, conn), event: toFindingEventRecord(event) };
    });
  }
}
