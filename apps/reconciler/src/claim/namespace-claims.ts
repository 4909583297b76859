import { boundedAttempt } from '../leader/bounded-attempt.js';
import { LeaseLock, type LeaseApi } from '../leader/lease-lock.js';
import type { Logger } from '../logging/logger.js';
import { sleep } from '../util/sleep.js';

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
}

export interface NamespaceClaimsOptions extends ClaimSettings {
  api: LeaseApi;
  logger: Logger;
  now?: () => number;
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
  /** Fires at the renew deadline: the last successful renewal's start plus duration − renew period. */
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
 * Claims are never released: a rolling update or a leader change within the release must keep
 * them, and a process cannot tell those from the whole release going away. They lapse instead.
 */
export class NamespaceClaims {
  private readonly claims = new Map<string, Claim>();
  private readonly stopping = new AbortController();
  private readonly now: () => number;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: NamespaceClaimsOptions) {
    this.now = options.now ?? Date.now;
  }

  get identity(): string {
    return this.options.identity;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops renewing (the claims lapse unless the release's next leader renews them). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    for (const claim of this.claims.values()) {
      if (claim.state?.kind === 'held') clearTimeout(claim.state.deadline);
    }
    this.claims.clear();
  }

  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /**
   * Whether this release holds the namespace's claim, claiming it if it can. Answers from what it
   * knows while that holds; throws when the API server gives no answer (retried with backoff).
   */
  async check(namespace: string): Promise<ClaimCheck> {
    const claim = this.claimOf(namespace);
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
        now: this.now,
      });
      claim = { lock };
      this.claims.set(namespace, claim);
    }
    return claim;
  }

  private async run(): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted) {
      await sleep(this.options.renewPeriodMs, stop);
      if (stop.aborted) return;
      await Promise.all(
        [...this.claims].map(([namespace, claim]) => this.refresh(namespace, claim)),
      );
    }
  }

  /** One attempt at a time per namespace; resolves with why it failed, if it did. */
  private refresh(namespace: string, claim: Claim): Promise<string | undefined> {
    claim.refreshing ??= this.attempt(namespace, claim).finally(() => {
      claim.refreshing = undefined;
    });
    return claim.refreshing;
  }

  private async attempt(namespace: string, claim: Claim): Promise<string | undefined> {
    const { renewPeriodMs, logger } = this.options;
    const startedAt = this.now();
    const result = await boundedAttempt(
      (signal) => claim.lock.tryAcquireOrRenew(signal),
      renewPeriodMs,
      this.stopping.signal,
      () =>
        logger.warn(
          { lease: claim.lock.leaseName, afterMs: renewPeriodMs },
          'the API server did not answer the namespace claim request in time: gave up on it',
        ),
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
    if (previous?.kind === 'held') {
      previous.deadline = deadline;
      return;
    }
    claim.state = { kind: 'held', lost: new AbortController(), deadline };
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
