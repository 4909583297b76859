import { isUuid } from '../ids.js';
import { LockMode, raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Connection } from '../entities/connection.js';
import { FindingEvent, type FindingEventType } from '../entities/finding-event.js';
import { Finding } from '../entities/finding.js';
import type { Snapshot } from '../entities/snapshot.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import {
  acceptanceEnd,
  acceptanceLapsed,
  DEFAULT_MAX_ACCEPTANCE_DAYS,
} from '../findings/acceptance.js';
import type { ReportedFinding } from '../findings/reported-finding.js';
import type { EvaluatedBy } from '../findings/resolution-note.js';
import { findConnection } from './connections.js';
import type { ConnectionRef, ServiceContext } from './context.js';
import { applyFindings, type ApplyFindingsResult, type ApplyOptions } from './finding-apply.js';
import {
  expireAcceptances,
  type AlertsFor,
  type ExpireAcceptancesResult,
} from './finding-expiry.js';
import { addEvent, clearAcceptance, expireAcceptance, openCounts } from './finding-mutations.js';
import { listFindings, type FindingFilter, type FindingPageRequest } from './finding-query.js';
import {
  toFindingEventRecord,
  toFindingRecord,
  type FindingEventRecord,
  type FindingRecord,
} from './finding-records.js';
import { recordTransitions, type FindingAlerts } from './finding-transitions.js';
import { findingFeedPage, type FindingFeedFilter, type FindingFeedPage } from './finding-feed.js';
import { findingHistoryPage } from './finding-history.js';
import { ACCEPTING_RISK, assertNotOwnFinding, type Person } from './finding-separation.js';
import type { Page, PageRequest } from './pagination.js';
import type { Decider, Duty } from './separation-of-duties.js';

export type { ApplyFindingsResult, ApplyOptions } from './finding-apply.js';
export type { AlertsFor, ExpireAcceptancesResult, ExpiredConnection } from './finding-expiry.js';
export type { FindingAlerts, FindingTransition } from './finding-transitions.js';

export interface AcceptRiskInput {
  reason: string;
  by: string;
  /** When the acceptance ends; without it, the longest the acceptance policy allows. */
  until?: Date;
  /**
   * The person accepting, as their credential vouches for them (separation of duties): a finding
   * about their own Xero user is refused, and so is every user finding when `person.email` is null.
   * Left out only by callers acting for no person (the API always gives it).
   */
  person?: Person;
}

/**
 * How long after an acceptance the same acceptance again (same actor, same reason, and the same
 * `until` or none) is taken for a retry of the request and changes nothing: a client that timed
 * out and retries must not write a second `accepted` event nor, without `until`, push the end of
 * the acceptance later. Past it, the same request is a renewal (a new event, a new period).
 * Withdrawals likewise: the same withdrawal again (same actor, same note) of a finding whose latest
 * change is that withdrawal, within this window, answers it instead of a conflict.
 */
export const REACCEPT_RETRY_WINDOW_MS = 10 * 60_000;

/** Whether `at` is at most REACCEPT_RETRY_WINDOW_MS before `now` (and not after it). */
function withinRetryWindow(at: Date, now: Date): boolean {
  const since = now.getTime() - at.getTime();
  return since >= 0 && since < REACCEPT_RETRY_WINDOW_MS;
}

/**
 * Whether accepting `f` with `input` at `now` only repeats its current acceptance (see above). An
 * acceptance that has lapsed is repeated by nothing: it has ended (transition ends it first).
 */
function repeatsAcceptance(f: Finding, input: AcceptRiskInput, now: Date): boolean {
  if (f.status !== 'accepted' || f.acceptedAt === null || f.acceptedUntil === null) return false;
  if (acceptanceLapsed(f.acceptedUntil, now)) return false;
  return (
    f.acceptedBy === input.by &&
    f.acceptedReason === input.reason &&
    withinRetryWindow(f.acceptedAt, now) &&
    (input.until === undefined || input.until.getTime() === f.acceptedUntil.getTime())
  );
}

/**
 * Whether withdrawing `f`'s acceptance as `by` with `note` at `now` repeats the withdrawal that is
 * its latest change (see REACCEPT_RETRY_WINDOW_MS): a retry of a request that committed.
 */
async function repeatsWithdrawal(
  em: SqlEntityManager,
  f: Finding,
  by: string,
  note: string | null,
  now: Date,
): Promise<boolean> {
  if (f.status !== 'open') return false;
  const latest = await em.findOne(
    FindingEvent,
    { finding: f.id },
    { orderBy: { at: 'desc', id: 'desc' } },
  );
  return (
    latest !== null &&
    latest.type === 'acceptance-revoked' &&
    latest.actor === by &&
    latest.note === note &&
    withinRetryWindow(latest.at, now)
  );
}

/**
 * The refusal of a withdrawal of an acceptance that had lapsed by the time it was made (the expiry
 * sweep had not reached it yet): the acceptance is ended as the sweep would have ended it (its
 * `accepted-expired` event, `expired`, is committed), and there is nothing left to withdraw, as
 * after the sweep. A ConflictError (409).
 */
export class AcceptanceLapsedError extends ConflictError {
  constructor(
    readonly finding: FindingRecord,
    readonly expired: FindingEventRecord,
    lapsed: Date | null,
  ) {
    const when = lapsed ? `lapsed at ${lapsed.toISOString()}` : 'had no expiry and had lapsed';
    super(
      `finding ${finding.id}: its accepted risk ${when}, before this withdrawal; it is open ` +
        'again (accepted-expired), with nothing left to withdraw',
    );
  }
}

/**
 * What a change wrote to the finding's history, that it found nothing to change, or (`ended`) that
 * ending the lapsed acceptance was all it could do (see transition).
 */
type Change =
  | { type: FindingEventType; actor: string; note: string | null; snapshot?: Snapshot | null }
  | { unchanged: FindingEventType }
  | { ended: true };

/** What a change is told besides the locked finding and the time. */
interface ChangeContext {
  em: SqlEntityManager;
  /**
   * The acceptance the finding had, when it had lapsed by `now` and transition ended it just
   * before (the finding is open now): when it ended (`acceptedUntil`; null when it had none).
   */
  lapsed: { until: Date | null } | null;
}

/** A check of the locked finding before it changes; throws to refuse the change. */
type Guard = (em: SqlEntityManager, f: Finding) => Promise<void>;

const separation =
  (decider: Decider, duty: Duty): Guard =>
  (em, f) =>
    assertNotOwnFinding(em, f, decider, duty);

export interface AcceptancePolicy {
  /** The longest an acceptance may run, in days from when it is made. */
  maxDays: number;
}

export class FindingService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Applies one policy evaluation of the snapshot's tenant, made at `now` (see applyFindings;
   * what it writes is stamped with the service's clock, when it is written): returns the
   * transitions (opened, resolved, reopened, accepted-expired) for webhooks and events.
   * `evaluatedBy` (the policy bundle and settings) is named in the note of a resolution that
   * no change of access explains. `options.resolveUnreported: false` resolves nothing (an
   * evaluation of a snapshot not taken now: see ApplyOptions).
   */
  async apply(
    connection: ConnectionRef,
    snapshotId: string,
    reported: readonly ReportedFinding[],
    now = new Date(),
    alerts?: FindingAlerts,
    evaluatedBy?: EvaluatedBy,
    options?: ApplyOptions,
  ): Promise<ApplyFindingsResult> {
    return applyFindings(
      this.ctx,
      connection,
      snapshotId,
      reported,
      now,
      alerts,
      evaluatedBy,
      options,
    );
  }

  /**
   * Reopens every finding whose accepted risk has lapsed (see expireAcceptances), with its
   * `accepted-expired` event and, where `alertsFor` names a target, its alert delivery; once
   * `signal` is aborted no further connection starts.
   */
  async expireAcceptances(
    now = new Date(),
    alertsFor?: AlertsFor,
    signal?: AbortSignal,
  ): Promise<ExpireAcceptancesResult> {
    return expireAcceptances(this.ctx, now, alertsFor, signal);
  }

  async get(id: string): Promise<FindingRecord | null> {
    if (!isUuid(id)) return null;
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
    if (!isUuid(id)) throw new NotFoundError('finding', String(id));
    if (!(await em.count(Finding, { id }))) throw new NotFoundError('finding', id);
    const events = await em.find(
      FindingEvent,
      { finding: id },
      { orderBy: { at: 'asc', id: 'asc' } },
    );
    return events.map(toFindingEventRecord);
  }

  /** The finding's state changes, oldest first, a page at a time (see findingHistoryPage). */
  async historyPage(id: string, page: PageRequest = {}): Promise<Page<FindingEventRecord>> {
    return findingHistoryPage(this.ctx.em(), id, page);
  }

  /**
   * Every finding's state changes, a page at a time, in an order that does not change; following
   * `nextCursor` lists each exactly once, also while others commit changes (see findingFeedPage).
   */
  async changes(filter: FindingFeedFilter = {}, page: PageRequest = {}): Promise<FindingFeedPage> {
    return findingFeedPage(this.ctx.em(), this.ctx.dialect, filter, page);
  }

  /**
   * Accepts the risk of an open (or re-accepts an accepted) finding until `until`: in the future
   * and at most `policy.maxDays` ahead; without `until`, for the whole maximum period. Stamped
   * with the service's clock once the finding is locked (see transition). ForbiddenError when
   * `input.person` may not accept it (see assertNotOwnFinding). A repeat of the current acceptance
   * within REACCEPT_RETRY_WINDOW_MS changes nothing and answers it as it stands, with the
   * `accepted` event that made it. The `accepted` event records what was accepted: the finding's
   * evidence snapshot, and its severity and message in the note. An acceptance that has lapsed
   * (the expiry sweep has not reached it yet) is ended first, as the sweep would end it (its
   * `accepted-expired` event, and `alerts` for it), and this is a new acceptance of the open finding.
   */
  async acceptRisk(
    id: string,
    input: AcceptRiskInput,
    policy: AcceptancePolicy = { maxDays: DEFAULT_MAX_ACCEPTANCE_DAYS },
    alerts?: FindingAlerts,
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
    // Refused before the finding is read; measured again from the stamp, which the period runs from.
    acceptanceEnd(input.until, this.ctx.clock(), policy.maxDays);
    const { person } = input;
    const guard = person && separation({ by: input.by, ...person }, ACCEPTING_RISK);
    const accept = (f: Finding, now: Date): Change => {
      if (f.status === 'resolved')
        throw new ConflictError(
          `finding ${id} is resolved; only open or accepted findings can be accepted`,
        );
      if (repeatsAcceptance(f, input, now)) return { unchanged: 'accepted' };
      const until = acceptanceEnd(input.until, now, policy.maxDays);
      f.status = 'accepted';
      f.acceptedReason = input.reason;
      f.acceptedBy = input.by;
      f.acceptedAt = now;
      f.acceptedUntil = until;
      const accepted = `accepted as reported: ${f.severity}, ${JSON.stringify(f.message)}`;
      return {
        type: 'accepted',
        actor: input.by,
        note: `${input.reason} (until ${until.toISOString()}; ${accepted})`,
        snapshot: f.snapshot,
      };
    };
    return this.transition(id, guard, accept, alerts);
  }

  /**
   * Withdraws an acceptance before it expires: the finding is open again (stamped as above).
   * Anyone may, the finding's subject included: reopening is the conservative direction, as an
   * acceptance's expiry does by itself. A repeat of the withdrawal that is the finding's latest
   * change (same `by`, same `note`, within REACCEPT_RETRY_WINDOW_MS) answers that withdrawal and
   * writes nothing; any other withdrawal of a finding not accepted is a ConflictError. An
   * acceptance that has lapsed (the expiry sweep has not reached it yet) is ended as the sweep
   * would end it (its `accepted-expired` event, and `alerts` for it, committed) and the withdrawal
   * refused, as it would be after the sweep: AcceptanceLapsedError, naming when it lapsed.
   */
  async revokeAcceptance(
    id: string,
    by: string,
    note: string | null = null,
    alerts?: FindingAlerts,
  ): Promise<{ finding: FindingRecord; event: FindingEventRecord }> {
    const withdraw = async (
      f: Finding,
      now: Date,
      { em, lapsed }: ChangeContext,
    ): Promise<Change> => {
      if (lapsed) return { ended: true };
      if (await repeatsWithdrawal(em, f, by, note, now)) return { unchanged: 'acceptance-revoked' };
      if (f.status !== 'accepted')
        throw new ConflictError(`finding ${id} is ${f.status}, not accepted`);
      f.status = 'open';
      clearAcceptance(f);
      return { type: 'acceptance-revoked', actor: by, note };
    };
    return this.transition(id, undefined, withdraw, alerts);
  }

  /** Open findings per check, for one connection or all. */
  async openCounts(connection?: ConnectionRef): Promise<Record<string, number>> {
    const em = this.ctx.em();
    if (!connection) return openCounts(em);
    const conn = await findConnection(em, connection);
    return conn ? openCounts(em, conn.id) : {};
  }

  /** Open findings per tenant of one connection (organisations it no longer reaches included). */
  async openCountsByTenant(connection: ConnectionRef): Promise<Record<string, number>> {
    const em = this.ctx.em();
    const conn = await findConnection(em, connection);
    return conn ? openCounts(em, conn.id, 'tenantId') : {};
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

  /**
   * Changes one finding under its lock, stamping the change (event, `updatedAt`, what `change`
   * sets) with the service's clock read once the lock is held (a change that finds nothing to do
   * writes nothing and answers the latest event of the type it names): a time read before could be
   * earlier than a change committed while this one waited (a sync's resolution), listing this one
   * first in history and moving `updatedAt` backwards.
   *
   * An acceptance that has lapsed by then (`acceptedUntil <= now`) but that the expiry sweep has not
   * reached yet is ended first, as the sweep ends it (expireAcceptance: the `accepted-expired`
   * event, and an alert delivery per `alerts` target), so `change` meets the finding as it would be
   * after the sweep (open, told so by `lapsed`). A change that answers `{ ended: true }` does nothing
   * more: the expiry is committed and AcceptanceLapsedError thrown.
   */
  private async transition(
    id: string,
    guard: Guard | undefined,
    change: (f: Finding, now: Date, context: ChangeContext) => Change | Promise<Change>,
    alerts?: FindingAlerts,
  ): Promise<{ finding: FindingRecord; event: FindingEventRecord }> {
    if (!isUuid(id)) throw new NotFoundError('finding', String(id));
    const done = await this.ctx.em().transactional(async (em) => {
      const f = await em.findOne(
        Finding,
        { id },
        this.ctx.dialect === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
      );
      if (!f) throw new NotFoundError('finding', id);
      await guard?.(em, f);
      const now = this.ctx.clock();
      let lapsed: ChangeContext['lapsed'] = null;
      let expired: FindingEvent | undefined;
      if (f.status === 'accepted' && acceptanceLapsed(f.acceptedUntil, now)) {
        lapsed = { until: f.acceptedUntil };
        expired = expireAcceptance(em, f, now, null);
      }
      const from = f.status;
      const changed = await change(f, now, { em, lapsed });
      let event: FindingEvent;
      if ('unchanged' in changed) {
        event = await em.findOneOrFail(
          FindingEvent,
          { finding: f.id, type: changed.unchanged },
          { orderBy: { at: 'desc', id: 'desc' } },
        );
      } else if ('ended' in changed) {
        if (!expired) throw new Error('a change ended no lapsed acceptance');
        event = expired;
      } else {
        f.updatedAt = now;
        event = addEvent(em, f, changed.type, from, now, {
          actor: changed.actor,
          note: changed.note,
          snapshot: changed.snapshot ?? null,
        });
      }
      await em.flush();
      const conn = await em.findOneOrFail(Connection, { id: f.connection.id });
      if (expired) await recordTransitions(em, conn, [['accepted-expired', expired]], now, alerts);
      return {
        finding: toFindingRecord(f, conn),
        event: toFindingEventRecord(event),
        ended: 'ended' in changed ? lapsed : null,
      };
    });
    if (done.ended) throw new AcceptanceLapsedError(done.finding, done.event, done.ended.until);
    return { finding: done.finding, event: done.event };
  }
}
