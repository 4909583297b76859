import { boundedAttempt } from '../leader/bounded-attempt.js';
import { systemLeaseClock, type LeaseClock } from '../leader/lease-clock.js';
import { LeaseLock, type LeaseApi } from '../leader/lease-lock.js';
import type { Logger } from '../logging/logger.js';

/**
 * The Lease a release claims a namespace with. One name for every release (they must contend for
 * the same object), so not configurable; the chart's RBAC names it.
 */
export const CLAIM_LEASE_NAME = 'xero-access-operator-claim';

export interface ClaimSettings {
  /** The release's identity: one for all its replicas, so a new leader keeps the claims. */
  identity: string;
  durationMs: number;
  renewPeriodMs: number;
  /** RESYNC_PERIOD (0: off), which the time an unneeded claim is kept follows (claimIdleMs). */
  resyncMs: number;
}

/** The least time a claim no check or reconcile has needed is kept (claimIdleMs). */
export const CLAIM_IDLE_MS = 30 * 60_000;

/**
 * How long a claim no check or reconcile has needed is kept: three resync periods, at least
 * CLAIM_IDLE_MS. Every XeroConnection is reconciled each RESYNC_PERIOD, so a namespace with
 * connections is never that idle, and one whose connections are gone stops costing requests. With
 * resync off nothing bounds the time between a connection's reconciles (its syncInterval may be
 * days), so claims are kept for the whole term: released between two syncs, a claim would pass to
 * any other release watching the namespace, and back at the next sync.
 */
export function claimIdleMs(resyncMs: number): number {
  return resyncMs > 0 ? Math.max(CLAIM_IDLE_MS, 3 * resyncMs) : Infinity;
}

/** The fewest Lease requests the renewal loop lets in flight (claimRenewalsInFlight). */
export const CLAIM_RENEWALS_IN_FLIGHT_MIN = 8;

/**
 * The time one look at a claim is sized for: a renewal is a read then a write, each within 1 s,
 * the API server's latency objective (p99) for single-object calls.
 */
export const CLAIM_LOOK_BUDGET_MS = 2_000;

/**
 * The renewal loop's Lease requests (a renewal's read and write, a release's) in flight at most.
 * Each claim is looked at once a renew period, so the loop starts claims / period looks a second,
 * and keeping up takes that times a look's time in flight (Little's law): sized for
 * CLAIM_LOOK_BUDGET_MS, it keeps up while the API server meets its objective (300 claims, 20 s:
 * 30), where a fixed cap falls behind as claims grow (8 would at 300 claims and 0.55 s a request)
 * and the claims not renewed in time are lost. The cap binds only when requests are slower than
 * that, never allows more than one request per claim (as with no cap), and a spell of slower
 * answers is ridden out in the slack between a claim falling due and its renew deadline
 * (duration − 2 × renew period, 20 s by default).
 */
export function claimRenewalsInFlight(claims: number, renewPeriodMs: number): number {
  return Math.max(
    CLAIM_RENEWALS_IN_FLIGHT_MIN,
    Math.ceil((claims * CLAIM_LOOK_BUDGET_MS) / renewPeriodMs),
  );
}

/** The most often the renewal loop warns that it renews held claims late. */
export const CLAIMS_LATE_WARNING_EVERY_MS = 60_000;

export interface NamespaceClaimsOptions extends ClaimSettings {
  api: LeaseApi;
  logger: Logger;
  /** The system's wall and monotonic clocks unless given (tests). */
  clock?: LeaseClock;
  /** claimRenewalsInFlight of the claims unless given. */
  renewalsInFlight?: number;
  /**
   * The held claims not renewed for half their duration (due after a renew period, lost after
   * duration − renew period: halfway), whenever that number changes; 0 once stopped.
   */
  onLate?: (claims: number) => void;
}

export type ClaimCheck =
  | {
      held: true;
      /** Aborts with a ClaimLostError once the claim may pass to another release. */
      lost: AbortSignal;
    }
  | { held: false; holder: string; retryAfterMs: number };

/** The claim this release held on a namespace lapsed or went to another release. */
export class ClaimLostError extends Error {
  constructor(namespace: string, why: string) {
    super(`this release no longer holds the claim on namespace ${namespace} (${why})`);
    this.name = 'ClaimLostError';
  }
}

interface Held {
  kind: 'held';
  lost: AbortController;
  /** When the last successful renewal started. */
  renewedAt: number;
  /** The renew deadline: renewedAt + duration − renew period. */
  deadlineAt: number;
  /** Fires at deadlineAt. */
  deadline: NodeJS.Timeout;
}

interface Elsewhere {
  kind: 'elsewhere';
  holder: string;
  /** When it could have expired, as this process has seen its renewals. */
  expiresAt: number;
}

interface Claim {
  lock: LeaseLock;
  state?: Held | Elsewhere;
  refreshing?: Promise<string | undefined>;
  /** Its place in the renew period (phaseOf), so renewals spread over it. */
  phase: number;
  /** When the loop looks at it next: at most a renew period after the last look began. */
  dueAt: number;
  /** When a check or a reconcile under it last needed it. */
  usedAt: number;
  /** Reconciles running under it (using): it is not dropped meanwhile. */
  users: number;
}

/** A namespace's offset in the renew period, from its name (FNV-1a): spread, and stable. */
function phaseOf(namespace: string, periodMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < namespace.length; i += 1)
    hash = Math.imul(hash ^ namespace.charCodeAt(i), 0x01000193) >>> 0;
  return hash % periodMs;
}

/**
 * One leader term's claims on the namespaces it reconciles in: a `coordination.k8s.io/v1` Lease
 * named CLAIM_LEASE_NAME in each, held by the release's identity (LeaseLock: created when absent,
 * taken over when its holder has not renewed it for its duration, never while it does). Held
 * claims are renewed every renewPeriod; one not renewed by its renew deadline (duration −
 * renewPeriod after its last renewal started) counts as lost, so what runs under it stops before
 * another release may take it over. Claims held by others are looked at as often, so a gone
 * release's claim is taken over about a duration after its last renewal.
 *
 * Renewals are spread over the renew period (each namespace at its own phase in it, never more
 * than a period after its last) and at most claimRenewalsInFlight run at once, so hundreds of
 * claims are no burst of requests; held claims go first, the nearest renew deadline first, and
 * renewals running late are reported (onLate, a rate-limited warning). A claim no check or
 * reconcile has needed for claimIdleMs (its namespace's XeroConnections are gone) is dropped and
 * its Lease released, unless another writer has written it since; the next check takes it again,
 * as any new claim.
 *
 * Claims are not released on stop: a rolling update or a leader change within the release must
 * keep them, and a process cannot tell those from the whole release going away. They lapse instead.
 */
export class NamespaceClaims {
  private readonly claims = new Map<string, Claim>();
  /** Idle claims being released: a check of their namespace waits for it. */
  private readonly releasing = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  /** The monotonic clock: every time this keeps is an elapsed time (see LeaseClock). */
  private readonly clock: LeaseClock;
  private readonly now: () => number;
  private readonly idleMs: number;
  private running = false;
  private inFlight = 0;
  private wake: NodeJS.Timeout | undefined;
  /** Held claims last counted late, and when that was last warned of. */
  private late = 0;
  private lateWarnedAt = -Infinity;

  constructor(private readonly options: NamespaceClaimsOptions) {
    this.clock = options.clock ?? systemLeaseClock;
    this.now = () => this.clock.monotonic();
    this.idleMs = claimIdleMs(options.resyncMs);
  }

  get identity(): string {
    return this.options.identity;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pump();
  }

  /**
   * Stops renewing (the claims lapse unless the release's next leader renews them). A release of
   * an idle claim under way finishes by itself, within a renew period.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.wake);
    await Promise.all([...this.claims.values()].map((claim) => claim.refreshing));
    for (const claim of this.claims.values()) {
      if (claim.state?.kind === 'held') clearTimeout(claim.state.deadline);
    }
    this.claims.clear();
    if (this.late > 0) this.options.onLate?.(0);
    this.late = 0;
  }

  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /**
   * Whether this release holds the namespace's claim, claiming it if it can. Answers from what it
   * knows while that holds; throws when the API server gives no answer (retried with backoff).
   */
  async check(namespace: string): Promise<ClaimCheck> {
    await this.releasing.get(namespace);
    const claim = this.claimOf(namespace);
    claim.usedAt = this.now();
    let error: string | undefined;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const known = this.answer(claim);
      if (known) return known;
      // Two releases claiming a new namespace at once: the loser reads the winner's claim.
      error = await this.refresh(namespace, claim);
      if (error !== CONFLICT) break;
    }
    const known = this.answer(claim);
    if (known) return known;
    throw new Error(
      `could not tell whether this release (${this.options.identity}) holds the claim on ` +
        `namespace ${namespace} (Lease ${CLAIM_LEASE_NAME}): ${error ?? 'stopped'}`,
    );
  }

  /** Runs `work` under the namespace's claim, just checked held: it is not dropped meanwhile. */
  async using<T>(namespace: string, work: () => Promise<T>): Promise<T> {
    const claim = this.claims.get(namespace);
    if (!claim) return work();
    claim.users += 1;
    try {
      return await work();
    } finally {
      claim.users -= 1;
      claim.usedAt = this.now();
    }
  }

  private answer(claim: Claim): ClaimCheck | undefined {
    const { state } = claim;
    if (state?.kind === 'held') return { held: true, lost: state.lost.signal };
    const now = this.now();
    if (state?.kind === 'elsewhere' && state.expiresAt > now)
      return { held: false, holder: state.holder, retryAfterMs: state.expiresAt - now };
    return undefined;
  }

  private claimOf(namespace: string): Claim {
    let claim = this.claims.get(namespace);
    if (!claim) {
      const lock = new LeaseLock({
        api: this.options.api,
        namespace,
        name: CLAIM_LEASE_NAME,
        identity: this.options.identity,
        leaseDurationMs: this.options.durationMs,
        what: 'namespace claim',
        logger: this.options.logger,
        clock: this.clock,
      });
      const now = this.now();
      const phase = phaseOf(namespace, this.options.renewPeriodMs);
      claim = { lock, phase, dueAt: now, usedAt: now, users: 0 };
      this.claims.set(namespace, claim);
    }
    return claim;
  }

  /**
   * The renewal loop's step: drops the idle claims and renews (or looks again at) the due ones
   * while fewer than renewalsInFlight of its requests run: first the claims this release holds,
   * the nearest renew deadline first (one missed fences that namespace's reconciles), then the
   * others, earliest due first (one looked at late only takes over a lapsed claim later). Then it
   * waits for the next one due, or for a request to end.
   */
  private pump(): void {
    clearTimeout(this.wake);
    if (!this.running || this.stopped) return;
    const now = this.now();
    const due: { held: boolean; at: number; namespace: string; claim: Claim; idle: boolean }[] = [];
    let next = Infinity;
    let late = 0;
    for (const [namespace, claim] of this.claims) {
      const { state } = claim;
      const held = state?.kind === 'held';
      if (held && now - state.renewedAt > this.options.durationMs / 2) late += 1;
      if (claim.refreshing) continue;
      const idleAt = claim.users === 0 ? claim.usedAt + this.idleMs : Infinity;
      const idle = idleAt <= now;
      // Dropping a claim not held asks nothing of the API server.
      if (idle && !held) this.drop(namespace, claim);
      else if (idle || claim.dueAt <= now)
        due.push({ held, at: held ? state.deadlineAt : claim.dueAt, namespace, claim, idle });
      else next = Math.min(next, claim.dueAt, idleAt);
    }
    this.reportLate(late, now);
    due.sort((a, b) => Number(b.held) - Number(a.held) || a.at - b.at);
    const renewalsInFlight =
      this.options.renewalsInFlight ??
      claimRenewalsInFlight(this.claims.size, this.options.renewPeriodMs);
    for (const { namespace, claim, idle } of due) {
      if (this.inFlight >= renewalsInFlight) break;
      if (idle) this.drop(namespace, claim);
      else void this.refresh(namespace, claim, true);
    }
    // A request that ends pumps again: then only the next due time needs waking for.
    if (next === Infinity) return;
    this.wake = setTimeout(() => this.pump(), Math.max(next - now, 0));
    this.wake.unref();
  }

  private reportLate(late: number, now: number): void {
    if (late !== this.late) this.options.onLate?.(late);
    this.late = late;
    if (late === 0 || now - this.lateWarnedAt < CLAIMS_LATE_WARNING_EVERY_MS) return;
    this.lateWarnedAt = now;
    const { identity, durationMs, renewPeriodMs } = this.options;
    this.options.logger.warn(
      {
        identity,
        late,
        claims: this.claims.size,
        inFlight: this.inFlight,
        renewPeriodMs,
        lostAfterMs: durationMs - renewPeriodMs,
      },
      'namespace claims are renewed late: the API server answers their Lease requests too slowly; a claim not renewed in time is lost and its reconciles are fenced',
    );
  }

  /**
   * One attempt at a time per namespace; resolves with why it failed, if it did. `counted`: the
   * loop's, one of its renewalsInFlight.
   */
  private refresh(namespace: string, claim: Claim, counted = false): Promise<string | undefined> {
    if (claim.refreshing) return claim.refreshing;
    if (counted) this.inFlight += 1;
    claim.refreshing = this.attempt(namespace, claim).finally(() => {
      if (counted) this.inFlight -= 1;
      claim.refreshing = undefined;
      this.pump();
    });
    return claim.refreshing;
  }

  /** No longer needed: forgotten, and released if held (so another release need not wait it out). */
  private drop(namespace: string, claim: Claim): void {
    this.claims.delete(namespace);
    const { state } = claim;
    claim.state = undefined;
    if (state?.kind !== 'held') return;
    clearTimeout(state.deadline);
    const why = `no XeroConnection there needed it for ${this.idleMs / 1000} s`;
    this.options.logger.info(
      { namespace, lease: claim.lock.leaseName, identity: this.options.identity, why },
      'releasing the namespace claim: the next reconcile there claims it again',
    );
    state.lost.abort(new ClaimLostError(namespace, `released: ${why}`));
    this.inFlight += 1;
    const released = claim.lock
      .release(this.options.renewPeriodMs, { ifUnchanged: true })
      .finally(() => {
        this.inFlight -= 1;
        this.releasing.delete(namespace);
        this.pump();
      });
    this.releasing.set(namespace, released);
  }

  private async attempt(namespace: string, claim: Claim): Promise<string | undefined> {
    const { renewPeriodMs } = this.options;
    const startedAt = this.now();
    // The next look: at the namespace's phase, no later than a period from now, no sooner than
    // half of one (a claim taken off its phase, or renewed late, is back on it after one look).
    const untilPhase = (claim.phase - (startedAt % renewPeriodMs) + renewPeriodMs) % renewPeriodMs;
    claim.dueAt = startedAt + Math.max(untilPhase || renewPeriodMs, renewPeriodMs / 2);
    const result = await boundedAttempt(
      (signal) => claim.lock.tryAcquireOrRenew(signal),
      renewPeriodMs,
      this.stopping.signal,
      () => claim.lock.timedOut(renewPeriodMs),
    );
    if (this.stopping.signal.aborted) return 'stopped';
    if (!result) return `no answer within ${renewPeriodMs} ms`;
    if (result.outcome === 'failed') return result.conflict ? CONFLICT : result.error;
    if (result.outcome === 'acquired') this.held(namespace, claim, startedAt);
    else this.elsewhere(namespace, claim, result.holder, result.expiresAt);
    return undefined;
  }

  private held(namespace: string, claim: Claim, renewedAt: number): void {
    const { durationMs, renewPeriodMs, identity, logger } = this.options;
    // An attempt that answered after the renew deadline renews nothing this process relied on.
    const leftMs = renewedAt + durationMs - renewPeriodMs - this.now();
    if (leftMs <= 0) return;
    const previous = claim.state;
    if (previous?.kind === 'held') clearTimeout(previous.deadline);
    const deadline = setTimeout(() => this.lose(namespace, claim, 'not renewed in time'), leftMs);
    deadline.unref();
    const deadlineAt = renewedAt + durationMs - renewPeriodMs;
    if (previous?.kind === 'held') {
      Object.assign(previous, { renewedAt, deadlineAt, deadline });
      return;
    }
    claim.state = { kind: 'held', lost: new AbortController(), renewedAt, deadlineAt, deadline };
    const lease = claim.lock.leaseName;
    if (previous?.kind === 'elsewhere')
      logger.warn(
        { namespace, lease, identity, previousHolder: previous.holder },
        'took over the namespace claim: the release that held it stopped renewing it',
      );
    else logger.info({ namespace, lease, identity }, 'claimed the namespace for this release');
  }

  private elsewhere(namespace: string, claim: Claim, holder: string, expiresAt: number): void {
    if (claim.state?.kind === 'held') this.lose(namespace, claim, `now held by ${holder}`);
    claim.state = { kind: 'elsewhere', holder, expiresAt };
  }

  private lose(namespace: string, claim: Claim, why: string): void {
    const { state } = claim;
    if (state?.kind !== 'held') return;
    clearTimeout(state.deadline);
    claim.state = undefined;
    this.options.logger.warn(
      { namespace, lease: claim.lock.leaseName, identity: this.options.identity, why },
      'lost the namespace claim: its XeroConnections are not reconciled until it is held again',
    );
    state.lost.abort(new ClaimLostError(namespace, why));
  }
}

const CONFLICT = 'another writer changed the claim at the same time';
