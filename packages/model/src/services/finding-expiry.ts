import { LockMode, type ObjectQuery } from '@mikro-orm/core';
import { Finding } from '../entities/finding.js';
import type { FindingEvent } from '../entities/finding-event.js';
import { findConnection } from './connections.js';
import type { ConnectionRef, ServiceContext } from './context.js';
import { expireAcceptance, openCounts } from './finding-mutations.js';
import {
  recordTransitions,
  type FindingAlerts,
  type FindingTransition,
} from './finding-transitions.js';

export interface ExpiredConnection {
  connection: ConnectionRef;
  /** One `accepted-expired` transition per reopened finding. */
  transitions: FindingTransition[];
  /** Open findings per check for the whole connection, after the expiry. */
  openByCheck: Record<string, number>;
}

export interface ExpireAcceptancesResult {
  /** The connections whose acceptances this run expired (none twice, however many runs overlap). */
  expired: ExpiredConnection[];
  /** Connections left for the next run because `alertsFor` threw for them; nothing was changed. */
  failed: { connection: ConnectionRef; error: unknown }[];
}

/**
 * Where a connection's alerts go (undefined: nowhere). A target that cannot be used belongs in
 * `undeliverable`, so the acceptances still end: throwing leaves the connection's lapsed
 * acceptances for the next run, which only suits a failure that passes (the reconciler's: an
 * alerts Secret it could not read).
 */
export type AlertsFor = (connection: ConnectionRef) => Promise<FindingAlerts | undefined>;

/** Accepted findings whose acceptance has lapsed: `acceptedUntil <= now`, or none at all. */
function lapsedAt(now: Date): ObjectQuery<Finding> {
  return {
    status: 'accepted',
    $or: [{ acceptedUntil: { $lte: now } }, { acceptedUntil: null }],
  };
}

/**
 * Reopens every finding whose accepted risk has lapsed, whether or not its connection is evaluated
 * again (suspended, deleted or failing connections are not): the same `accepted-expired` event and
 * alert deliveries as an evaluation writes. One transaction per connection, holding the connection
 * row lock evaluations take (PostgreSQL; SQLite serialises writers), and finding the lapsed
 * acceptances again inside it: runs that overlap, from any replica of either app, or an evaluation
 * of the same connection, never expire one acceptance twice.
 *
 * `now` decides which acceptances have lapsed; what is written (events, `updatedAt`, alert
 * deliveries) is stamped with the clock read once the findings are locked, as `findings.apply`
 * does: a stamp from the sweep's start would put the reopening before a change committed while it
 * waited, and move `updatedAt` backwards.
 */
export async function expireAcceptances(
  ctx: ServiceContext,
  now: Date,
  alertsFor?: AlertsFor,
  signal?: AbortSignal,
): Promise<ExpireAcceptancesResult> {
  const result: ExpireAcceptancesResult = { expired: [], failed: [] };
  const rows = (await ctx
    .em()
    .createQueryBuilder(Finding, 'f')
    .select(['c.namespace', 'c.name'])
    .distinct()
    .join('f.connection', 'c')
    .where(lapsedAt(now))
    .orderBy({ 'c.namespace': 'asc', 'c.name': 'asc' })
    .execute('all', false)) as ConnectionRef[];
  for (const ref of rows) {
    // Aborted (the caller lost leadership, or stops): the rest wait for the next sweep.
    if (signal?.aborted) break;
    const connection = { namespace: ref.namespace, name: ref.name };
    let alerts: FindingAlerts | undefined;
    try {
      alerts = await alertsFor?.(connection);
    } catch (error) {
      result.failed.push({ connection, error });
      continue;
    }
    const expired = await expireConnection(ctx, connection, now, alerts);
    if (expired) result.expired.push(expired);
  }
  return result;
}

async function expireConnection(
  ctx: ServiceContext,
  connection: ConnectionRef,
  now: Date,
  alerts: FindingAlerts | undefined,
): Promise<ExpiredConnection | undefined> {
  const postgres = ctx.dialect === 'postgresql';
  return ctx.em().transactional(async (em) => {
    const conn = await findConnection(em, connection, postgres);
    if (!conn) return undefined;
    const lapsed = await em.find(
      Finding,
      { connection: conn, ...lapsedAt(now) },
      {
        orderBy: { id: 'asc' },
        ...(postgres ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}),
      },
    );
    if (lapsed.length === 0) return undefined;
    const writtenAt = ctx.clock();
    const events = lapsed.map((f): ['accepted-expired', FindingEvent] => [
      'accepted-expired',
      expireAcceptance(em, f, writtenAt, null),
    ]);
    await em.flush();
    return {
      connection,
      transitions: await recordTransitions(em, conn, events, writtenAt, alerts),
      openByCheck: await openCounts(em, conn.id),
    };
  });
}
