import {
  V1MicroTime,
  type ConfigurationOptions,
  type CoordinationV1Api,
  type V1Lease,
  type V1LeaseSpec,
} from '@kubernetes/client-node';
import { abortOptions } from '@xero-access/crd';
import { RepeatedFailureLog } from '@xero-access/model';
import { describeKubeError, isConflict, isNotFound } from '../kube/http-status.js';
import type { Logger } from '../logging/logger.js';
import type { LeaseClock } from './lease-clock.js';

/** The Lease calls a LeaseLock makes. */
export type LeaseApi = Pick<
  CoordinationV1Api,
  'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'
>;

export interface LeaseLockOptions {
  api: LeaseApi;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  /** What the log calls the Lease, e.g. "leader lease". */
  what: string;
  logger: Logger;
  clock: LeaseClock;
  /** Another identity was seen holding the Lease, or this one took it from another. */
  onNewHolder?(identity: string): void;
}

export type LeaseAttempt =
  | { outcome: 'acquired' }
  /**
   * Another identity holds it and has renewed it within its duration, as this lock has seen;
   * `expiresAt` on the monotonic clock.
   */
  | { outcome: 'held'; holder: string; expiresAt: number }
  /** Not known: the request failed, was aborted, or lost the race to another writer (`conflict`). */
  | { outcome: 'failed'; error: string; conflict: boolean };

const ABORTED: LeaseAttempt = { outcome: 'failed', error: 'aborted', conflict: false };

/**
 * One Lease, client-go's way: taken when it is free or its holder has not renewed it for its
 * duration, measured on this process's monotonic clock from when it last saw the record change
 * (so neither clock skew nor a step of the wall clock matters: LeaseClock); renewed by its holder;
 * every write carries the resourceVersion read, so two writers cannot both win. Shared by the
 * leader election and the namespace claims. Its requests are retried every few seconds, through an
 * API server outage or an RBAC refusal too: their failures are logged when they start or change,
 * then every 5 minutes with a count, and once when the API server answers again
 * (RepeatedFailureLog).
 */
export class LeaseLock {
  /**
   * The record as last seen changed, and when. Any write counts as a renewal, as client-go
   * compares the whole record: a holder whose clock repeats a renewTime is still renewing.
   * `seenAt` on the monotonic clock.
   */
  private observed: { holder: string; version: string; seenAt: number } | undefined;
  private readonly requestFailures: RepeatedFailureLog;

  constructor(private readonly options: LeaseLockOptions) {
    this.requestFailures = new RepeatedFailureLog({
      logger: options.logger,
      recovered: `the API server answers the ${options.what} requests again`,
      fields: { lease: this.leaseName },
      now: () => options.clock.monotonic(),
    });
  }

  get leaseName(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  /** One read, then a create or a replace; `signal` aborts the requests (and the answer is ignored). */
  async tryAcquireOrRenew(signal: AbortSignal): Promise<LeaseAttempt> {
    const attempt = await this.attempt(signal);
    // Answered (a conflict too: another writer was first).
    if (attempt.outcome !== 'failed' || attempt.conflict) this.requestFailures.succeeded();
    return attempt;
  }

  /** The caller gave up on an attempt the API server did not answer within `afterMs`. */
  timedOut(afterMs: number): void {
    this.requestFailures.failed(
      { afterMs },
      `the API server did not answer the ${this.options.what} request in time: gave up on it`,
    );
  }

  private async attempt(signal: AbortSignal): Promise<LeaseAttempt> {
    const { api, namespace, name, identity, what } = this.options;
    const now = this.options.clock.monotonic();
    // Only for the record: what others read as when it was renewed.
    const stamp = new V1MicroTime(this.options.clock.wall());
    const leaseDurationSeconds = Math.ceil(this.options.leaseDurationMs / 1000);
    const options = abortOptions(signal);
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ namespace, name }, options);
    } catch (error) {
      if (signal.aborted) return ABORTED;
      if (!isNotFound(error)) return this.failed(error, `reading the ${what} failed`);
      try {
        const created = await api.createNamespacedLease(
          {
            namespace,
            body: {
              metadata: { name, namespace },
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds,
                acquireTime: stamp,
                renewTime: stamp,
                leaseTransitions: 0,
              },
            },
          },
          options,
        );
        if (signal.aborted) return ABORTED;
        this.observe(identity, created.metadata?.resourceVersion ?? '', now);
        return { outcome: 'acquired' };
      } catch (createError) {
        if (signal.aborted) return ABORTED;
        return this.failed(createError, `creating the ${what} failed`);
      }
    }
    if (signal.aborted) return ABORTED;

    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const version = lease.metadata?.resourceVersion ?? '';
    const previousHolder = this.observed?.holder;
    if (!this.observed || this.observed.holder !== holder || this.observed.version !== version) {
      this.observe(holder, version, now);
    }
    if (holder !== '' && holder !== previousHolder && holder !== identity)
      this.options.onNewHolder?.(holder);
    const heldByOther = holder !== '' && holder !== identity;
    const expiresAt =
      this.observed!.seenAt + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (heldByOther && expiresAt > now) return { outcome: 'held', holder, expiresAt };

    const taking = holder !== identity;
    try {
      const written = await this.replaceLease(
        lease,
        {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds,
          renewTime: stamp,
          acquireTime: taking ? stamp : spec.acquireTime,
          leaseTransitions: (spec.leaseTransitions ?? 0) + (taking ? 1 : 0),
        },
        options,
      );
      if (signal.aborted) return ABORTED;
      if (taking) this.options.onNewHolder?.(identity);
      this.observe(identity, written.metadata?.resourceVersion ?? '', now);
      return { outcome: 'acquired' };
    } catch (error) {
      if (signal.aborted) return ABORTED;
      return this.failed(error, `updating the ${what} failed`);
    }
  }

  /**
   * Hands the Lease back (holder cleared, 1 s duration) so another need not wait it out; within
   * `timeoutMs`, so a shutdown does not hang on an API server that does not answer. `ifUnchanged`:
   * only while it is the record this lock saw last, which no other writer (another process of the
   * same identity either) has renewed since.
   */
  async release(timeoutMs: number, { ifUnchanged = false } = {}): Promise<void> {
    const { api, namespace, name, identity, what, logger } = this.options;
    const options = abortOptions(AbortSignal.timeout(Math.max(timeoutMs, 0)));
    try {
      const lease = await api.readNamespacedLease({ namespace, name }, options);
      if (lease.spec?.holderIdentity !== identity) return;
      if (ifUnchanged && lease.metadata?.resourceVersion !== this.observed?.version) return;
      await this.replaceLease(
        lease,
        {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: new V1MicroTime(this.options.clock.wall()),
        },
        options,
      );
      logger.info({ lease: this.leaseName }, `released the ${what}`);
    } catch (error) {
      logger.warn(
        { lease: this.leaseName, error: describeKubeError(error) },
        `releasing the ${what} failed`,
      );
    }
  }

  /** Writes the Lease with a new spec; its resourceVersion makes a concurrent write a conflict. */
  private async replaceLease(
    lease: V1Lease,
    spec: V1LeaseSpec,
    options: ConfigurationOptions,
  ): Promise<V1Lease> {
    const { api, namespace, name } = this.options;
    return api.replaceNamespacedLease({ namespace, name, body: { ...lease, spec } }, options);
  }

  /** A conflict means another writer was first: the normal race, logged as no failure. */
  private failed(error: unknown, message: string): LeaseAttempt {
    const conflict = isConflict(error);
    const described = describeKubeError(error);
    if (!conflict) this.requestFailures.failed({ error: described }, message);
    return { outcome: 'failed', error: described, conflict };
  }

  private observe(holder: string, version: string, seenAt: number): void {
    this.observed = { holder, version, seenAt };
  }
}
