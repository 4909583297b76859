import type { CoreV1Api } from '@kubernetes/client-node';
import {
  XERO_CONNECTION_FINALIZER,
  type XeroConnection,
  type XeroConnectionStatus,
} from '@xero-access/crd';
import type { ConnectionRef, Database, DatabaseUser } from '@xero-access/model';
import type { AlertTargets } from '../alerts/alert-targets.js';
import type { WebhookSender } from '../alerts/webhook-sender.js';
import type { ReconcileResult, ReconcileSignals } from '../controller/controller.js';
import { NEVER_FENCED } from '../controller/fenced.js';
import type { PolicyEvaluator } from '../evaluate/policy-evaluator.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { recordFindingEvents, recordSyncEvents } from '../events/connection-events.js';
import { changedOpenFindings } from '../findings/changed-open-findings.js';
import { splitKey } from '../kube/object-key.js';
import type { SecretVersion } from '../kube/recent-secret-writes.js';
import type { XeroConnectionApi } from '../kube/xero-connection-api.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import { FailureRateLimiter } from '../queue/failure-rate-limiter.js';
import { findCondition, readyFrom, setCondition } from '../status/conditions.js';
import {
  failedSyncStatus,
  succeededSyncStatus,
  withLastSnapshotsEvaluated,
  type SyncStatus,
} from '../status/sync-status.js';
import { PARTIALLY_SYNCED } from '../status/tenants-status.js';
import type { TokenManager } from '../token/token-manager.js';
import { withJitter } from '../util/backoff.js';
import type { XeroClients } from '../xero/xero-clients.js';
import { classifyFailure, type ClassifiedFailure } from './failure-classifier.js';
import { logFailure } from './failure-log.js';
import type { Progress, SyncOutcome } from './sync-outcome.js';
import { tenantsFailure } from './tenant-failures.js';
import {
  reevaluationDeadline,
  syncIntervalMs,
  syncWaitMs,
  untilNextDeadline,
} from './next-sync.js';
import { finalizeConnection } from './finalize.js';
import {
  evaluateLastSnapshots,
  type LastSnapshotsEvaluation,
} from './last-snapshots-evaluation.js';
import { syncAndEvaluate } from './run-sync.js';
import { SUPERSEDED_SYNC_LOG, SupersededSyncError } from './superseded-sync.js';
import { reconcileSuspended, type SuspendedReconcile } from './suspended-connection.js';
import { effectiveSpec, type EffectiveSpec } from './spec-defaults.js';
import { SYNC_TIMED_OUT, SyncDeadline } from './sync-deadline.js';
import { UnwrittenReports, type SyncReport } from './unwritten-reports.js';
import { TenantRetries } from './tenant-retries.js';
import { handledSyncRequest, RequestedSyncGate, syncRequested } from './requested-sync.js';

export interface ConnectionReconcilerDeps {
  api: XeroConnectionApi;
  core: CoreV1Api;
  db: Database;
  clients: XeroClients;
  tokens: TokenManager;
  evaluator: PolicyEvaluator;
  events: EventRecorder;
  metrics: ReconcilerMetrics;
  logger: Logger;
  /** Alert webhooks: per-namespace or global targets, and the sender to wake. */
  alerts?: { targets: AlertTargets; sender: WebhookSender };
  settings: {
    /** Where the database is and what happens meanwhile, for condition messages (reconcilerDatabase). */
    database: DatabaseUser;
    /** Fraction of syncInterval added at random so a thousand connections spread out. */
    syncJitter: number;
    offboardingGraceHours: number;
    /** SYNC_TIMEOUT: one reconcile's time limit (sync-deadline.ts). */
    syncTimeoutMs: number;
    /** REQUESTED_SYNC_GAP: the least time from one sync's start to a requested one's (requested-sync.ts). */
    requestedSyncGapMs: number;
  };
}

/** Failures a changed Secret can fix: a Secret change makes these connections sync at once. */
const SECRET_FIXABLE_REASONS = new Set([
  'InvalidSpec',
  'InvalidCredentials',
  'ReauthorizationRequired',
  'Unauthorized',
]);

/**
 * Level-triggered reconcile of one XeroConnection: finalizer, then (when a sync is due) tokens →
 * /connections, Organisation, Users → snapshots → policy evaluation → findings, then status,
 * Events and the next sync time. Running it again with nothing changed changes nothing.
 */
export class ConnectionReconciler {
  private readonly failures = new FailureRateLimiter({
    baseMs: 2_000,
    maxMs: 5 * 60_000,
    jitter: 0.2,
  });

  /** Secret versions seen by the Secret watch since the connection's last sync, by connection key. */
  private readonly secretChanges = new Map<string, SecretVersion[]>();

  /** spec.tenantId and the token Secret's tenant_id last reported as differing, by connection key. */
  private readonly tenantMismatches = new Map<string, string>();

  /** Reports of syncs whose status patch failed: the retry writes them rather than sync again. */
  private readonly unwritten = new UnwrittenReports();

  /** A partial sync's synced organisations: its retries keep these (tenant-retries.ts). */
  private readonly tenantRetries = new TenantRetries();

  /** When each connection's last sync started: requested syncs keep a gap (requested-sync.ts). */
  private readonly requestedSyncs: RequestedSyncGate;

  constructor(private readonly deps: ConnectionReconcilerDeps) {
    this.requestedSyncs = new RequestedSyncGate(deps.settings.requestedSyncGapMs);
  }

  /**
   * A Secret the connection references was created or changed. Returns whether the connection is
   * worth a reconcile: not when the change is the token write-back this process made itself.
   * The reconcile then syncs at once if the connection's authentication failed for a reason a
   * Secret can fix (instead of waiting for its backoff).
   */
  secretChanged(key: string, secret: SecretVersion): boolean {
    if (this.deps.tokens.secretWrites.isOwn(secret)) return false;
    this.secretChanges.set(key, [...(this.secretChanges.get(key) ?? []), secret]);
    return true;
  }

  /**
   * `signals.fenced` is checked before every externally visible write (status, Events, database,
   * starting a token refresh): a replica that stopped leading leaves them to the next leader. A
   * refresh already under way still writes its rotated token set back: Xero has spent the old one.
   * Fencing, or SYNC_TIMEOUT running out, aborts the Xero and Kubernetes calls in flight.
   */
  async reconcile(key: string, signals: Partial<ReconcileSignals> = {}): Promise<ReconcileResult> {
    const fenced = signals.fenced ?? NEVER_FENCED;
    const deadline = new SyncDeadline(fenced, this.deps.settings.syncTimeoutMs);
    try {
      return await this.reconcileWithin(key, signals, fenced, deadline);
    } catch (error) {
      throw deadline.causeOf(error);
    } finally {
      deadline.dispose();
    }
  }

  private async reconcileWithin(
    key: string,
    signals: Partial<ReconcileSignals>,
    fenced: AbortSignal,
    deadline: SyncDeadline,
  ): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    // A live read, not the watch cache: the cache can lag our own status write, and a stale
    // nextSyncTime would sync the tenant again, spending its Xero rate limit. One GET per
    // reconcile is cheap at sync intervals of minutes.
    let connection = await this.deps.api.get(namespace, name, deadline.signal);
    if (!connection) {
      this.forget(key, namespace, name);
      return {};
    }
    if (connection.metadata?.deletionTimestamp) {
      await finalizeConnection(this.deps, connection, fenced, deadline);
      this.forget(key, namespace, name);
      return {};
    }
    const finalizers = connection.metadata?.finalizers ?? [];
    if (!finalizers.includes(XERO_CONNECTION_FINALIZER)) {
      fenced.throwIfAborted();
      connection = await this.deps.api.setFinalizers(
        connection,
        [...finalizers, XERO_CONNECTION_FINALIZER],
        deadline.signal,
      );
    }
    const spec = effectiveSpec(connection.spec);
    const status = connection.status ?? {};
    const now = new Date();
    // A new leader exports what the last sync found (suspended, failing or not due alike).
    this.deps.metrics.setSyncSchedule(namespace, name, status.lastSyncTime, syncIntervalMs(spec));

    // The last sync recorded its snapshots and findings but not its status: write that now,
    // rather than sync Xero again (unwritten-reports.ts).
    const unwritten = this.unwritten.for(key, connection);
    if (unwritten) {
      await this.writeReport(key, connection, spec, unwritten, fenced, deadline);
      return { requeueAt: new Date(unwritten.status.nextSyncTime!) };
    }
    if (spec.suspend) {
      const suspended: SuspendedReconcile = {
        deps: this.deps,
        key,
        secretChanged: () => this.takeSecretChange(key),
        succeeded: () => this.failures.forget(key),
        retryAfterMs: (failure) => this.retryAfterMs(key, failure, now),
        deadline,
      };
      return reconcileSuspended(suspended, connection, spec, now, fenced);
    }
    if (!this.syncDue(key, connection, now)) {
      // Findings can change between syncs (an accepted risk ends): the status follows at once.
      const openFindings = await changedOpenFindings(this.deps, connection);
      if (openFindings) {
        fenced.throwIfAborted();
        await this.deps.api.patchStatus(namespace, name, openFindings, deadline.signal);
      }
      // A new leader exports what the last sync found, which may have run on another replica.
      const ready = findCondition(status.conditions, 'Ready');
      if (ready) this.deps.metrics.setReady(namespace, name, ready.status === 'True', ready.reason);
      // A sync asked for within the gap after the last one runs at the gap's end, if sooner.
      const requestedAt = this.requestedSyncs.dueAt(key, connection, now.getTime()) ?? Infinity;
      return { requeueAt: new Date(Math.min(Date.parse(status.nextSyncTime!), requestedAt)) };
    }
    if (signals.stopping?.aborted) return {};
    return this.sync(key, connection, spec, now, fenced, deadline);
  }

  private syncDue(key: string, connection: XeroConnection, now: Date): boolean {
    const status = connection.status ?? {};
    if (status.observedGeneration !== connection.metadata?.generation) return true;
    if (!status.nextSyncTime) return true;
    if (findCondition(status.conditions, 'Synced')?.reason === 'Suspended') return true;
    const requestedAt = this.requestedSyncs.dueAt(key, connection, now.getTime());
    if (requestedAt !== undefined && requestedAt <= now.getTime()) return true;
    if (this.fixedBySecretChange(key, connection)) return true;
    return Date.parse(status.nextSyncTime) <= now.getTime();
  }

  /**
   * Whether a Secret changed (by someone else) since the last sync while authentication is failing
   * for a reason a Secret can fix. Checked here rather than when the event arrived: by now any
   * write-back of the previous sync is recorded, so it cannot set off a sync loop.
   */
  private fixedBySecretChange(key: string, connection: XeroConnection): boolean {
    if (!this.takeSecretChange(key)) return false;
    const authenticated = findCondition(connection.status?.conditions, 'Authenticated');
    return authenticated?.status === 'False' && SECRET_FIXABLE_REASONS.has(authenticated.reason);
  }

  /** Whether someone else changed a Secret of the connection since the last look; forgets the changes. */
  private takeSecretChange(key: string): boolean {
    const changes = this.secretChanges.get(key);
    if (!changes) return false;
    this.secretChanges.delete(key);
    return !changes.every((change) => this.deps.tokens.secretWrites.isOwn(change));
  }

  private async sync(
    key: string,
    connection: XeroConnection,
    spec: EffectiveSpec,
    now: Date,
    fenced: AbortSignal,
    deadline: SyncDeadline,
  ): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const ref: ConnectionRef = { namespace, name };
    // This sync reads the Secrets as they are now: earlier changes are taken into account.
    this.secretChanges.delete(key);
    this.requestedSyncs.starting(key, connection, now.getTime());
    const generation = connection.metadata?.generation;
    const previous = connection.status ?? {};
    // Retrying a partial sync: all but its synced organisations, unless a sync was asked for by
    // hand. Taken either way: a requested sync that succeeds leaves no retry behind.
    const held = this.tenantRetries.take(key, connection, now);
    const retry = syncRequested(connection) ? undefined : held;

    const progress: Progress = { phase: 'authenticate' };
    let outcome: SyncOutcome | undefined;
    let failure: ClassifiedFailure | undefined;
    let lastSnapshots: LastSnapshotsEvaluation | undefined;
    try {
      outcome = await syncAndEvaluate(
        { deps: this.deps, tenantMismatches: this.tenantMismatches },
        connection,
        spec,
        ref,
        now,
        progress,
        fenced,
        deadline,
        retry,
      );
      // Fenced during its last reads: no retry is held for a leader this process no longer is.
      fenced.throwIfAborted();
    } catch (error) {
      // Fenced: no failure to report either, the next leader syncs again.
      fenced.throwIfAborted();
      // Another replica applied a later sync (the Lease changed hands while this one ran): its
      // report stands. Not an error to retry: the regular sync follows, if this one still leads.
      if (error instanceof SupersededSyncError) {
        const refused = error.refused.map((e) => e.message);
        this.deps.logger.warn({ connection: key, refused }, SUPERSEDED_SYNC_LOG);
        // Its other organisations' findings were applied and their webhooks sent: Events too.
        await recordFindingEvents(
          this.deps.events,
          connection,
          error.transitions,
          deadline.finishing(),
        );
        return { requeueAfterMs: syncWaitMs(spec, this.deps.settings.syncJitter) };
      }
      const cause = deadline.causeOf(error);
      failure = classifyFailure(cause, progress.phase);
      const timedOut = failure.reason === SYNC_TIMED_OUT;
      logFailure(
        this.deps.logger,
        timedOut
          ? 'sync timed out: its Xero and Kubernetes calls were abandoned'
          : 'reconcile failed',
        {
          connection: key,
          phase: progress.phase,
          ...(timedOut ? { syncTimeoutMs: this.deps.settings.syncTimeoutMs } : {}),
        },
        cause,
        failure,
      );
      this.deps.metrics.reconcileErrors.inc({ reason: failure.reason });
      // Nothing of this sync was recorded: what the last one saw is checked against today's
      // staff directory, so a leaver it shows with access is a finding while Xero cannot be read.
      if (progress.syncedUsers === undefined)
        lastSnapshots = await evaluateLastSnapshots(
          this.deps,
          connection,
          spec,
          ref,
          failure,
          now,
          fenced,
          deadline,
        );
    }

    let report: SyncStatus;
    let requeueAfterMs: number;
    let requeue: ReconcileResult;
    if (outcome) {
      // The regular sync, which fetches every organisation (a retry keeps the one it retries).
      const scheduledMs = untilNextDeadline(
        syncWaitMs(spec, this.deps.settings.syncJitter),
        [outcome.nextAcceptanceExpiry, reevaluationDeadline(outcome.reevaluateAt, now)],
        now,
      );
      const scheduledAt = new Date(now.getTime() + scheduledMs);
      const regularAt = retry && retry.fullSyncAt < scheduledAt ? retry.fullSyncAt : scheduledAt;
      const regularWaitMs = Math.max(regularAt.getTime() - now.getTime(), 0);
      // Organisations that failed are retried with backoff (at a rate limit's end), alone, until
      // the regular sync is due; the others' snapshots and findings stand meanwhile.
      const partial = outcome.failed.length > 0 ? tenantsFailure(outcome.failed) : undefined;
      if (partial) {
        this.deps.metrics.reconcileErrors.inc({ reason: PARTIALLY_SYNCED });
        // What this sync fetched, and what a retry kept: their last sync stands.
        const synced = [...outcome.tenants, ...(outcome.kept ?? [])];
        this.tenantRetries.hold(key, connection, {
          syncedIds: new Set(synced.map((t) => t.tenantId.toLowerCase())),
          fullSyncAt: regularAt,
        });
      } else this.failures.forget(key);
      report = succeededSyncStatus(outcome, previous, now);
      const retryAfterMs = partial ? this.retryAfterMs(key, partial, now) : undefined;
      requeueAfterMs = Math.min(retryAfterMs ?? Infinity, regularWaitMs);
      // The regular sync and the deadlines are times counted from this sync's start: the requeue
      // aims at them, not that long after the sync ends. A retry's backoff counts from its end.
      requeue = { requeueAt: regularAt, requeueAfterMs: retryAfterMs };
      this.deps.metrics.setOpenFindings(namespace, name, outcome.openSeries);
    } else {
      report = failedSyncStatus(failure!, progress, previous, now);
      requeueAfterMs = this.retryAfterMs(key, failure!, now);
      if (lastSnapshots) {
        report = withLastSnapshotsEvaluated(report, lastSnapshots.openByCheck, previous);
        // A grace period ending brings the retry, so access still held then is reported on time.
        const due = reevaluationDeadline(lastSnapshots.reevaluateAt, now);
        if (due) requeueAfterMs = Math.min(requeueAfterMs, due.getTime() - now.getTime());
        this.deps.metrics.setOpenFindings(namespace, name, lastSnapshots.openSeries);
      }
      requeue = { requeueAfterMs };
    }
    let conditions = previous.conditions ?? [];
    for (const input of report.conditions)
      conditions = setCondition(conditions, input, generation, now);
    const ready = readyFrom(conditions);
    const status: XeroConnectionStatus = {
      ...previous,
      ...report.fields,
      observedGeneration: generation,
      conditions: setCondition(conditions, ready, generation, now),
      nextSyncTime: new Date(now.getTime() + requeueAfterMs).toISOString(),
      // Served by this sync, failed or not: any other value of the annotation is a new request.
      lastHandledSyncRequest: handledSyncRequest(connection),
    };

    const written: SyncReport = { previous, status, ready, synced: outcome };
    fenced.throwIfAborted();
    // Its snapshots and findings are recorded: a retry after a failed status patch writes this.
    if (outcome) this.unwritten.hold(key, connection, written);
    await this.writeReport(key, connection, spec, written, fenced, deadline);
    if (lastSnapshots)
      await recordFindingEvents(
        this.deps.events,
        connection,
        lastSnapshots.transitions,
        deadline.finishing(),
      );
    return requeue;
  }

  /** Writes a sync's status, then records its Events (best effort: they fail no reconcile). */
  private async writeReport(
    key: string,
    connection: XeroConnection,
    spec: EffectiveSpec,
    report: SyncReport,
    fenced: AbortSignal,
    deadline: SyncDeadline,
  ): Promise<void> {
    const { namespace, name } = splitKey(key);
    const { status, ready } = report;
    fenced.throwIfAborted();
    await this.deps.api.patchStatus(namespace, name, status, deadline.finishing());
    this.unwritten.forget(key);
    this.deps.metrics.setReady(namespace, name, ready.status === 'True', ready.reason);
    this.deps.metrics.setSyncSchedule(namespace, name, status.lastSyncTime, syncIntervalMs(spec));
    await recordSyncEvents(
      this.deps.events,
      connection,
      report.previous,
      ready,
      report.synced,
      deadline.finishing(),
    );
  }

  /** When to try again after a failure: at a rate limit's retry time, else after the backoff. */
  private retryAfterMs(key: string, failure: ClassifiedFailure, now: Date): number {
    const backoff = this.failures.when(key);
    return failure.retryAt
      ? Math.max(failure.retryAt.getTime() - now.getTime(), 0) + withJitter(250, 1)
      : backoff;
  }

  /**
   * A standby calls no Xero API: the Xero clients go (a new term makes them again). Unwritten
   * reports and tenant retries go too: the next leader may have synced since.
   */
  stoppedLeading(): void {
    this.deps.clients.clear();
    this.unwritten.clear();
    this.tenantRetries.clear();
  }

  private forget(key: string, namespace: string, name: string): void {
    this.failures.forget(key);
    this.secretChanges.delete(key);
    this.tenantMismatches.delete(key);
    this.unwritten.forget(key);
    this.tenantRetries.forget(key);
    this.requestedSyncs.forget(key);
    this.deps.tokens.forget(key);
    this.deps.clients.release(key);
    this.deps.metrics.forgetConnection(namespace, name);
  }
}
