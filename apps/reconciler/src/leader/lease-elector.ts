import {
  CoordinationV1Api,
  V1MicroTime,
  type ConfigurationOptions,
  type KubeConfig,
  type V1Lease,
  type V1LeaseSpec,
} from '@kubernetes/client-node';
import { abortOptions } from '@xero-access/crd';
import { describeKubeError, isConflict, isNotFound } from '../kube/http-status.js';
import type { Logger } from '../logging/logger.js';
import { sleep } from '../util/sleep.js';

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
  /** Injectable clock (tests). */
  now?: () => number;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm: a candidate
 * takes the Lease when it is free or its holder has not renewed for leaseDuration (measured on
 * the candidate's own clock from when it last saw the record change, so clock skew does not
 * matter); the leader renews every retryPeriod and steps down when it cannot renew within
 * renewDeadline; writes use the Lease's resourceVersion, so two candidates cannot both win.
 *
 * As in client-go, every attempt is bounded: a leader's by the time left until its renew
 * deadline, a candidate's by renewDeadline. A request that hangs (a dead connection, an API
 * server that does not answer) is aborted when its time is up, so the leader steps down at its
 * deadline even then, before a standby can take the Lease (leaseDuration after the last renewal).
 * What an abandoned request does later is ignored: only a fresh, successful attempt leads again.
 */
export class LeaseElector {
  private readonly api: CoordinationV1Api;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly now: () => number;
  private readonly stopController = new AbortController();
  private observed: { holder: string; renewTime: string; seenAt: number } | undefined;
  private leading = false;
  private loop: Promise<void> | undefined;
  /** While leading: when the last successful renewal started, plus renewDeadline. */
  private renewDeadlineAt = 0;

  constructor(private readonly options: LeaseElectorOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.now = options.now ?? Date.now;
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
        await this.release(Math.min(options.releaseTimeoutMs ?? Infinity, this.renewDeadlineMs));
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
    const stop = this.stopController.signal;
    const abort = new AbortController();
    const giveUp = (): void => abort.abort();
    const timer = setTimeout(() => {
      this.options.logger.warn(
        { lease: this.leaseName, afterMs: budgetMs },
        'the API server did not answer the leader lease request in time: gave up on it',
      );
      giveUp();
    }, budgetMs);
    stop.addEventListener('abort', giveUp, { once: true });
    const abandoned = new Promise<false>((resolve) =>
      abort.signal.addEventListener('abort', () => resolve(false), { once: true }),
    );
    try {
      return await Promise.race([this.tryAcquireOrRenew(abort.signal), abandoned]);
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', giveUp);
    }
  }

  private get leaseName(): string {
    return `${this.options.namespace}/${this.options.name}`;
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

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = this.now();
    const leaseDurationSeconds = Math.ceil(this.leaseDurationMs / 1000);
    const options = abortOptions(signal);
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ namespace, name }, options);
    } catch (error) {
      if (signal.aborted) return false;
      if (!isNotFound(error)) {
        this.options.logger.warn(
          { lease: this.leaseName, error: describeKubeError(error) },
          'reading the leader lease failed',
        );
        return false;
      }
      try {
        await this.api.createNamespacedLease(
          {
            namespace,
            body: {
              metadata: { name, namespace },
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds,
                acquireTime: new V1MicroTime(now),
                renewTime: new V1MicroTime(now),
                leaseTransitions: 0,
              },
            },
          },
          options,
        );
        if (signal.aborted) return false;
        this.observe(identity, new Date(now).toISOString(), now);
        return true;
      } catch (createError) {
        if (!signal.aborted)
          this.warnUnlessConflict(createError, 'creating the leader lease failed');
        return false;
      }
    }
    if (signal.aborted) return false;

    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ? new Date(spec.renewTime).toISOString() : '';
    const previousHolder = this.observed?.holder;
    if (
      !this.observed ||
      this.observed.holder !== holder ||
      this.observed.renewTime !== renewTime
    ) {
      this.observe(holder, renewTime, now);
    }
    if (holder !== '' && holder !== previousHolder && holder !== identity)
      this.options.onNewLeader?.(holder);
    const heldByOther = holder !== '' && holder !== identity;
    const expired =
      this.observed!.seenAt + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 <= now;
    if (heldByOther && !expired) return false;

    const taking = holder !== identity;
    try {
      await this.replaceLease(
        lease,
        {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds,
          renewTime: new V1MicroTime(now),
          acquireTime: taking ? new V1MicroTime(now) : spec.acquireTime,
          leaseTransitions: (spec.leaseTransitions ?? 0) + (taking ? 1 : 0),
        },
        options,
      );
      if (signal.aborted) return false;
      if (taking) this.options.onNewLeader?.(identity);
      this.observe(identity, new Date(now).toISOString(), now);
      return true;
    } catch (error) {
      if (!signal.aborted) this.warnUnlessConflict(error, 'updating the leader lease failed');
      return false;
    }
  }

  /** Writes the Lease with a new spec; its resourceVersion makes a concurrent write a conflict. */
  private async replaceLease(
    lease: V1Lease,
    spec: V1LeaseSpec,
    options: ConfigurationOptions,
  ): Promise<void> {
    const { namespace, name } = this.options;
    await this.api.replaceNamespacedLease({ namespace, name, body: { ...lease, spec } }, options);
  }

  /** A conflict means another replica wrote the Lease first: the normal race, not a failure. */
  private warnUnlessConflict(error: unknown, message: string): void {
    if (isConflict(error)) return;
    this.options.logger.warn({ lease: this.leaseName, error: describeKubeError(error) }, message);
  }

  private observe(holder: string, renewTime: string, seenAt: number): void {
    this.observed = { holder, renewTime, seenAt };
  }

  /**
   * Hands the Lease back (holder cleared, 1 s duration) so a standby need not wait it out; within
   * `timeoutMs`, so a shutdown does not hang on an API server that does not answer.
   */
  private async release(timeoutMs: number): Promise<void> {
    const { namespace, name, identity } = this.options;
    const options = abortOptions(AbortSignal.timeout(Math.max(timeoutMs, 0)));
    try {
      const lease = await this.api.readNamespacedLease({ namespace, name }, options);
      if (lease.spec?.holderIdentity !== identity) return;
      await this.replaceLease(
        lease,
        {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: new V1MicroTime(this.now()),
        },
        options,
      );
      this.options.logger.info({ lease: this.leaseName }, 'released the leader lease');
    } catch (error) {
      this.options.logger.warn(
        { lease: this.leaseName, error: describeKubeError(error) },
        'releasing the leader lease failed',
      );
    }
  }
}
