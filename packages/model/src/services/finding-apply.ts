import { LockMode } from '@mikro-orm/core';
import { Finding } from '../entities/finding.js';
import type { FindingEvent } from '../entities/finding-event.js';
import { Snapshot } from '../entities/snapshot.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { planFindingChanges } from '../findings/plan.js';
import {
  findingKey,
  parseReportedFindings,
  type ReportedFinding,
} from '../findings/reported-finding.js';
import { isUuid, newId } from '../ids.js';
import { findConnection } from './connections.js';
import { connectionKey, type ConnectionRef, type ServiceContext } from './context.js';
import {
  addEvent,
  clearAcceptance,
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

export interface ApplyFindingsResult {
  transitions: FindingTransition[];
  /** Open findings per check for the whole connection, after this evaluation. */
  openByCheck: Record<string, number>;
  /** The connection's earliest `acceptedUntil` still ahead, or null: evaluate again by then. */
  nextAcceptanceExpiry: Date | null;
}

/**
 * Applies one policy evaluation of the snapshot's tenant: upserts each reported finding by
 * connection + tenant + check + subject, resolves the scope's open or accepted findings that
 * were not reported, reopens resolved ones that recur, and turns an expired acceptance back
 * into an open finding. Accepted findings keep their status until `acceptedUntil <= now`.
 *
 * `now` is the evaluation's time: acceptances lapse by it, as the policy measured grace periods
 * to it. What is written (events, `firstSeenAt`, `lastSeenAt`, `resolvedAt`,
 * `updatedAt`, alert deliveries) is stamped with the clock read once the findings are locked:
 * a sync can wait minutes on Xero's rate limits between its start and this commit, and stamps
 * from its start would put this change before others committed meanwhile (an acceptance made
 * during the sync), move `updatedAt` backwards, and hide it from clients polling since then.
 */
export async function applyFindings(
  ctx: ServiceContext,
  connection: ConnectionRef,
  snapshotId: string,
  reported: readonly ReportedFinding[],
  now: Date,
  alerts?: FindingAlerts,
): Promise<ApplyFindingsResult> {
  const byKey = parseReportedFindings(reported);
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
    const writtenAt = ctx.clock();
    const keyOf = (f: Finding) =>
      findingKey({ check: f.check, subject: { kind: f.subjectKind, id: f.subjectId } });
    const byExistingKey = new Map(existing.map((f) => [keyOf(f), f]));
    const plan = planFindingChanges(
      existing.map((f) => ({ key: keyOf(f), status: f.status, acceptedUntil: f.acceptedUntil })),
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
        events.push(['resolved', addEvent(em, f, 'resolved', from, writtenAt, { snapshot })]);
        continue;
      }
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
