import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../logging/logger.js';
import { sleep } from '../util/sleep.js';
import { boundedAttempt } from './bounded-attempt.js';
import { systemLeaseClock, type LeaseClock } from './lease-clock.js';
import { LeaseLock, type LeaseApi } from './lease-lock.js';

export interface LeaseElectorOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  /** Unique per replica, e.g. the pod name plus a random suffix. */
  identity: string;
  leaseDurationMs?: number;
  /** The leader gives up if it cannot renew for this long (must be < leaseDuration). */
  renewDeadlineMs?: number;
  /** How often candidates try to acquire and the leader renews. */
  retryPeriodMs?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
  logger: Logger;
  /** The system's wall and monotonic clocks unless given (tests). */
  clock?: LeaseClock;
  /** The Lease calls; made from kubeConfig unless given (tests). */
  api?: LeaseApi;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm: a candidate
 * takes the Lease when it is free or its holder has not renewed for leaseDuration (measured on
 * the candidate's own monotonic clock from when it last saw the record change, so neither clock
 * skew nor a step of the wall clock matters); the leader renews every retryPeriod and steps down
 * when it cannot renew within renewDeadline, on the monotonic clock too (LeaseClock); writes use
 * the Lease's resourceVersion, so two candidates cannot both win.
 *
 * As in client-go, every attempt is bounded: a leader's by the time left until its renew
 * deadline, a candidate's by renewDeadline. A request that hangs (a dead connection, an API
 * server that does not answer) is aborted when its time is up, so the leader steps down at its
 * deadline even then, before a standby can take the Lease (leaseDuration after the last renewal).
 * What an abandoned request does later is ignored: only a fresh, successful attempt leads again.
 * Attempts that keep failing (every retryPeriod) are logged as LeaseLock logs them: when the
 * failure starts or changes, every 5 minutes with a count, and once the API server answers again.
 */
export class LeaseElector {
  private readonly lock: LeaseLock;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  /** The monotonic clock: every time this keeps is an elapsed time. */
  private readonly now: () => number;
  private readonly stopController = new AbortController();
  private leading = false;
  private loop: Promise<void> | undefined;
  /** While leading: when the last successful renewal started, plus renewDeadline (monotonic). */
  private renewDeadlineAt = 0;

  constructor(private readonly options: LeaseElectorOptions) {
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    const clock = options.clock ?? systemLeaseClock;
    this.now = () => clock.monotonic();
    this.lock = new LeaseLock({
      api: options.api ?? options.kubeConfig.makeApiClient(CoordinationV1Api),
      namespace: options.namespace,
      name: options.name,
      identity: options.identity,
      leaseDurationMs: options.leaseDurationMs ?? 15_000,
      what: 'leader lease',
      logger: options.logger,
      clock,
      onNewHolder: (identity) => options.onNewLeader?.(identity),
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get identity(): string {
    return this.options.identity;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Stops campaigning; a leader releases the Lease so a standby takes over at once
   * (`release: false` leaves it to expire, as a crashed process would), giving up after
   * `releaseTimeoutMs` (at most renewDeadline).
   */
  async stop(options: { release?: boolean; releaseTimeoutMs?: number } = {}): Promise<void> {
    this.stopController.abort();
    await this.loop;
    if (this.leading) {
      if (options.release !== false)
        await this.lock.release(
          Math.min(options.releaseTimeoutMs ?? Infinity, this.renewDeadlineMs),
        );
      this.setLeading(false);
    }
  }

  private async run(): Promise<void> {
    const stop = this.stopController.signal;
    while (!stop.aborted) {
      // From the start, not the answer: the Lease says renewed at this time, and the standby
      // counts leaseDuration from no earlier than that.
      const startedAt = this.now();
      const acquired = await this.attempt(startedAt);
      if (acquired) {
        this.renewDeadlineAt = startedAt + this.renewDeadlineMs;
        if (!this.leading) this.setLeading(true);
      } else if (this.leading && this.now() >= this.renewDeadlineAt) {
        this.options.logger.error(
          { lease: this.leaseName },
          'could not renew the leader lease in time: stepping down',
        );
        this.setLeading(false);
      }
      // A leader wakes no later than its deadline, so a quick failure just before it cannot
      // keep it leading for another retryPeriod.
      const untilDeadline = this.leading ? this.renewDeadlineAt - this.now() : Infinity;
      await sleep(Math.max(Math.min(this.retryPeriodMs, untilDeadline), 0), stop);
    }
  }

  /**
   * One acquire or renew within its time: the time left until the renew deadline (leading), or
   * renewDeadline (a candidate, so a hung request does not stop it campaigning). On time out the
   * requests are aborted and the attempt counts as failed, whatever they do afterwards.
   */
  private async attempt(startedAt: number): Promise<boolean> {
    const budgetMs = this.leading ? this.renewDeadlineAt - startedAt : this.renewDeadlineMs;
    if (budgetMs <= 0) return false;
    const result = await boundedAttempt(
      (signal) => this.lock.tryAcquireOrRenew(signal),
      budgetMs,
      this.stopController.signal,
      () => this.lock.timedOut(budgetMs),
    );
    return result?.outcome === 'acquired';
  }

  private get leaseName(): string {
    return this.lock.leaseName;
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    if (leading) {
      this.options.logger.info(
        { lease: this.leaseName, identity: this.options.identity },
        'became leader',
      );
      this.options.onStartedLeading();
    } else {
      this.options.logger.info(
        { lease: this.leaseName, identity: this.options.identity },
        'stopped leading',
      );
      this.options.onStoppedLeading();
    }
  }
}
