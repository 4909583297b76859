import { LockMode } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Connection } from '../entities/connection.js';
import { Finding } from '../entities/finding.js';
import { FindingEvent } from '../entities/finding-event.js';
import { Snapshot } from '../entities/snapshot.js';
import { NotFoundError, StaleSnapshotError, ValidationError } from '../errors.js';
import { planFindingChanges, type FindingChange } from '../findings/plan.js';
import {
  findingKey,
  parseReportedFindings,
  type ReportedFinding,
} from '../findings/reported-finding.js';
import {
  assertEvaluatedBy,
  resolutionNote,
  type EvaluatedBy,
} from '../findings/resolution-note.js';
import { isUuid, newId } from '../ids.js';
import { findConnection } from './connections.js';
import { connectionKey, type ConnectionRef, type ServiceContext } from './context.js';
import {
  addEvent,
  clearAcceptance,
  endChangedAcceptance,
  expireAcceptance,
  fill,
  nextAcceptanceExpiry,
  openCounts,
} from './finding-mutations.js';
import {
  recordTransitions,
  type FindingAlerts,
  type FindingTransition,
} from './finding-transitions.js';
import { rolesIn } from './snapshot-roles.js';

export interface ApplyFindingsResult {
  transitions: FindingTransition[];
  /** Open findings per check for the whole connection, after this evaluation. */
  openByCheck: Record<string, number>;
  /** The connection's earliest `acceptedUntil` still ahead, or null: evaluate again by then. */
  nextAcceptanceExpiry: Date | null;
}

/** How an evaluation's findings are applied. */
export interface ApplyOptions {
  /**
   * Whether the tenant's open or accepted findings this evaluation does not report are resolved
   * (default true). False for an evaluation that cannot tell that access went: the latest snapshot
   * of an organisation the sync could not fetch, evaluated again against today's staff directory.
   * Its users are those of that snapshot, so a finding it no longer reports stopped being reported
   * because the directory, the links, the spec or the policy changed, not because the access was
   * seen to go, and Xero may show the user otherwise today (another email, another role): what it
   * reports is opened, reopened or refreshed, and nothing is resolved until the organisation is
   * fetched again.
   */
  resolveUnreported?: boolean;
}

/**
 * The highest sequence above `snapshot`'s among the tenant's snapshots whose findings are applied,
 * or null. An apply marks its snapshot (`findingsAppliedAt`). Snapshots applied before that
 * column existed, or by the previous version's pods during the upgrade, have no mark: those are
 * known by the traces their evaluation left, its snapshot on every finding it reported
 * (`finding.snapshot`, among `existing`) and on every event it wrote. An unmarked one that
 * reported nothing and found nothing to resolve left none.
 */
async function newestAppliedAfter(
  em: SqlEntityManager,
  conn: Connection,
  snapshot: Snapshot,
  existing: readonly Finding[],
): Promise<number | null> {
  const newer: { id: string; sequence: number; findingsAppliedAt: Date | null }[] = await em
    .createQueryBuilder(Snapshot)
    .select(['id', 'sequence', 'findingsAppliedAt'])
    .where({
      connection: conn.id,
      tenantId: snapshot.tenantId,
      sequence: { $gt: snapshot.sequence },
    })
    .execute('all');
  const applied = new Set(newer.filter((s) => s.findingsAppliedAt !== null).map((s) => s.id));
  const unmarked = newer.filter((s) => !applied.has(s.id)).map((s) => s.id);
  if (unmarked.length > 0) {
    for (const f of existing) if (f.snapshot) applied.add(f.snapshot.id);
    const events: { snapshot: string }[] = await em
      .createQueryBuilder(FindingEvent, 'e')
      .select('e.snapshot')
      .join('e.finding', 'f')
      .where({
        'f.connection': conn.id,
        'f.tenantId': snapshot.tenantId,
        'e.snapshot': { $in: unmarked },
      })
      .execute('all');
    for (const e of events) applied.add(e.snapshot);
  }
  const sequences = newer.filter((s) => applied.has(s.id)).map((s) => s.sequence);
  return sequences.length > 0 ? Math.max(...sequences) : null;
}

/**
 * Applies one policy evaluation of the snapshot's tenant: upserts each reported finding by
 * connection + tenant + check + subject, resolves the scope's open or accepted findings that
 * were not reported, reopens resolved ones that recur, and turns an expired acceptance back
 * into an open finding. Accepted findings keep their status until `acceptedUntil <= now`, or until
 * they are reported with another severity or message than was accepted (the user's role changed,
 * say): that acceptance no longer covers the finding and ends the same way (`accepted-expired`,
 * its note saying what changed), alert included.
 *
 * `now` is the evaluation's time: acceptances lapse by it, as the policy measured grace periods
 * to it. What is written (events, `firstSeenAt`, `lastSeenAt`, `resolvedAt`,
 * `updatedAt`, alert deliveries) is stamped with the clock read once the findings are locked:
 * a sync can wait minutes on Xero's rate limits between its start and this commit, and stamps
 * from its start would put this change before others committed meanwhile (an acceptance made
 * during the sync) and move `updatedAt` backwards. (Clients do not poll `updatedAt`, which every
 * sync rewrites: they follow the changes feed, `findings.changes` / `GET /finding-events`, whose
 * order the database sets as events are written, not these stamps.)
 *
 * A snapshot older than one whose findings are applied already is refused (StaleSnapshotError,
 * nothing written): a replica that stopped leading but still ran would otherwise reopen and
 * resolve findings from stale data, move `finding.snapshot` back and send alerts about it. Each
 * apply marks its snapshot (`findingsAppliedAt`, in this transaction), so one that changed
 * nothing counts too. A newer snapshot only recorded does not refuse it: that sync may yet fail
 * before applying, and this evaluation is then the newest the findings can follow.
 *
 * `options.resolveUnreported: false` leaves unreported findings as they are (see ApplyOptions).
 *
 * Each `resolved` event gets a note saying why (resolution-note.ts): the user is gone, lost
 * access or changed role (remediation), or holds the role they held when last reported, which
 * names `evaluatedBy` (the policy bundle and settings that stopped reporting it).
 */
export async function applyFindings(
  ctx: ServiceContext,
  connection: ConnectionRef,
  snapshotId: string,
  reported: readonly ReportedFinding[],
  now: Date,
  alerts?: FindingAlerts,
  evaluatedBy?: EvaluatedBy,
  options: ApplyOptions = {},
): Promise<ApplyFindingsResult> {
  const byKey = parseReportedFindings(reported);
  if (evaluatedBy) assertEvaluatedBy(evaluatedBy);
  return ctx.em().transactional(async (em) => {
    // One evaluation per connection at a time (PostgreSQL row lock; SQLite serialises anyway),
    // so two replicas cannot both insert the same new finding.
    const conn = await findConnection(em, connection, ctx.dialect === 'postgresql');
    if (!conn) throw new NotFoundError('connection', connectionKey(connection));
    if (!isUuid(snapshotId))
      throw new ValidationError('snapshotId', 'must be a snapshot id (UUID)');
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
      ctx.dialect === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
    );
    // Inside the connection lock: an evaluation applied meanwhile is seen.
    const applied = await newestAppliedAfter(em, conn, snapshot, existing);
    if (applied !== null) {
      const chain = `${connectionKey(connection)} tenant ${snapshot.tenantId}`;
      throw new StaleSnapshotError(chain, snapshot.sequence, applied);
    }
    const writtenAt = ctx.clock();
    snapshot.findingsAppliedAt ??= writtenAt;
    const keyOf = (f: Finding) =>
      findingKey({ check: f.check, subject: { kind: f.subjectKind, id: f.subjectId } });
    const byExistingKey = new Map(existing.map((f) => [keyOf(f), f]));
    const plan = planFindingChanges(
      existing.map((f) => ({
        key: keyOf(f),
        status: f.status,
        acceptedUntil: f.acceptedUntil,
        severity: f.severity,
        message: f.message,
      })),
      byKey,
      now,
      options.resolveUnreported ?? true,
    );
    const notes = await resolutionNotes(em, ctx, snapshot, plan, byExistingKey, evaluatedBy);

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
          firstSeenAt: writtenAt,
          lastSeenAt: writtenAt,
          snapshot,
          updatedAt: writtenAt,
        });
        events.push(['opened', addEvent(em, f, 'opened', null, writtenAt, { snapshot })]);
        continue;
      }
      const f = byExistingKey.get(change.key)!;
      const from = f.status;
      if (change.kind === 'resolve') {
        f.status = 'resolved';
        f.resolvedAt = writtenAt;
        f.updatedAt = writtenAt;
        clearAcceptance(f);
        const note = notes.get(f)!;
        events.push(['resolved', addEvent(em, f, 'resolved', from, writtenAt, { snapshot, note })]);
        continue;
      }
      // Before fill: its note says what the acceptance covered.
      if (change.kind === 'accepted-changed')
        events.push([
          'accepted-expired',
          endChangedAcceptance(em, f, change.reported, writtenAt, snapshot),
        ]);
      fill(f, change.reported, snapshot, writtenAt);
      if (change.kind === 'reopen') {
        f.status = 'open';
        f.resolvedAt = null;
        events.push(['reopened', addEvent(em, f, 'reopened', from, writtenAt, { snapshot })]);
      } else if (change.kind === 'accepted-expired') {
        events.push(['accepted-expired', expireAcceptance(em, f, writtenAt, snapshot)]);
      }
    }
    await em.flush();
    return {
      transitions: await recordTransitions(em, conn, events, writtenAt, alerts),
      openByCheck: await openCounts(em, conn.id),
      nextAcceptanceExpiry: await nextAcceptanceExpiry(em, conn.id, now),
    };
  });
}

/**
 * The note of each finding the plan resolves: its subject's role in the resolving snapshot and in
 * the one that last reported it (`finding.snapshot`, which a resolution leaves as it was), read
 * for the resolved users only.
 */
async function resolutionNotes(
  em: SqlEntityManager,
  ctx: ServiceContext,
  snapshot: Snapshot,
  plan: readonly FindingChange[],
  byKey: ReadonlyMap<string, Finding>,
  evaluatedBy: EvaluatedBy | undefined,
): Promise<Map<Finding, string>> {
  const resolved = plan.filter((c) => c.kind === 'resolve').map((c) => byKey.get(c.key)!);
  const users = resolved.filter((f) => f.subjectKind === 'user');
  const evidence = users.flatMap((f) => (f.snapshot ? [f.snapshot.id] : []));
  const roles = await rolesIn(
    em,
    ctx.dialect,
    [snapshot.id, ...evidence],
    users.map((f) => f.subjectId),
  );
  const roleIn = (f: Finding, s: Snapshot | null) =>
    f.subjectKind === 'user' && s
      ? (roles.get(s.id)?.get(f.subjectId.toLowerCase()) ?? null)
      : null;
  const notes = new Map<Finding, string>();
  for (const f of resolved) {
    const subject = {
      kind: f.subjectKind,
      roleBefore: roleIn(f, f.snapshot),
      roleNow: roleIn(f, snapshot),
    };
    notes.set(f, resolutionNote(subject, snapshot.sequence, evaluatedBy));
  }
  return notes;
}
