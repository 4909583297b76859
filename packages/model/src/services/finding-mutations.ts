import { raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { FindingEvent, type FindingEventType } from '../entities/finding-event.js';
import { Finding, type FindingStatus } from '../entities/finding.js';
import type { Snapshot } from '../entities/snapshot.js';
import type { ValidReportedFinding } from '../findings/reported-finding.js';
import { newId } from '../ids.js';

/** Copies what the policy reported onto the finding and marks it seen now in `snapshot`. */
export function fill(f: Finding, r: ValidReportedFinding, snapshot: Snapshot, now: Date): void {
  f.severity = r.severity;
  f.message = r.message;
  f.remediation = r.remediation ?? null;
  f.lastSeenAt = now;
  f.snapshot = snapshot;
  f.updatedAt = now;
}

export function clearAcceptance(f: Finding): void {
  f.acceptedReason = null;
  f.acceptedBy = null;
  f.acceptedAt = null;
  f.acceptedUntil = null;
}

/**
 * Turns an accepted finding whose acceptance lapsed back into an open one, with its
 * `accepted-expired` event (`snapshot`: the evaluation that saw it, or null for the expiry sweep
 * and for a person's request that found it lapsed).
 */
export function expireAcceptance(
  em: SqlEntityManager,
  f: Finding,
  now: Date,
  snapshot: Snapshot | null,
): FindingEvent {
  const lapsed = f.acceptedUntil
    ? `expired at ${f.acceptedUntil.toISOString()}`
    : 'had no expiry and has lapsed';
  const note = `accepted risk ${lapsed} (accepted by ${f.acceptedBy}: ${f.acceptedReason})`;
  return endAcceptance(em, f, now, snapshot, note);
}

/**
 * Turns an accepted finding that `snapshot`'s evaluation reports with another severity or message
 * (planFindingChanges: `accepted-changed`) back into an open one, with an `accepted-expired` event saying what changed: the acceptance
 * covered the finding as it was. Called before `fill` copies the new report onto `f`.
 */
export function endChangedAcceptance(
  em: SqlEntityManager,
  f: Finding,
  r: ValidReportedFinding,
  now: Date,
  snapshot: Snapshot,
): FindingEvent {
  const changed = [
    ...(f.severity === r.severity ? [] : [`severity ${f.severity} → ${r.severity}`]),
    ...(f.message === r.message ? [] : [`message was ${JSON.stringify(f.message)}`]),
  ];
  const until = f.acceptedUntil ? `, until ${f.acceptedUntil.toISOString()}` : '';
  const note =
    `accepted risk no longer covers the finding: it changed since it was accepted ` +
    `(${changed.join('; ')}) (accepted by ${f.acceptedBy}: ${f.acceptedReason}${until})`;
  return endAcceptance(em, f, now, snapshot, note);
}

/** Ends `f`'s acceptance: open again, with the `accepted-expired` event saying why (`note`). */
function endAcceptance(
  em: SqlEntityManager,
  f: Finding,
  now: Date,
  snapshot: Snapshot | null,
  note: string,
): FindingEvent {
  const from = f.status;
  f.status = 'open';
  f.updatedAt = now;
  clearAcceptance(f);
  return addEvent(em, f, 'accepted-expired', from, now, { snapshot, note });
}

export function addEvent(
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

/**
 * When the connection's next accepted risk expires (its earliest `acceptedUntil` after `now`), or
 * null when none is ahead: the reconciler syncs again by then, so the finding reopens on time.
 * One already past is left out: it belongs to a tenant this evaluation did not cover (one that
 * left the grant), and waiting for it would mean syncing again at once, in a loop; the expiry
 * sweep (expireAcceptances) reopens it.
 */
export async function nextAcceptanceExpiry(
  em: SqlEntityManager,
  connectionId: string,
  now: Date,
): Promise<Date | null> {
  const [first] = await em.find(
    Finding,
    { connection: connectionId, status: 'accepted', acceptedUntil: { $gt: now } },
    { orderBy: { acceptedUntil: 'asc' }, limit: 1, fields: ['acceptedUntil'] },
  );
  return first?.acceptedUntil ?? null;
}

/** Open findings per check (or per tenant), for one connection or all. */
export async function openCounts(
  em: SqlEntityManager,
  connectionId?: string,
  by: 'check' | 'tenantId' = 'check',
): Promise<Record<string, number>> {
  const qb = em
    .createQueryBuilder(Finding, 'f')
    .select([`f.${by}`, raw('count(*) as n')])
    .where({ status: 'open' })
    .groupBy(`f.${by}`);
  if (connectionId) qb.andWhere({ connection: connectionId });
  const rows = (await qb.execute('all', true)) as unknown as Record<string, number | string>[];
  return Object.fromEntries(rows.map((r) => [String(r[by]), Number(r.n)]));
}
