import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { APP_VERSION } from '../app/version.js';

/** Everything /metrics exposes. One registry per process (tests create their own). */
export class ReconcilerMetrics {
  readonly registry = new Registry();
  readonly reconcileDuration = new Histogram({
    name: 'xao_reconcile_duration_seconds',
    help: 'Time to reconcile one XeroConnection, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'xao_reconcile_errors_total',
    help: 'Reconciles that failed, by condition reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'xao_workqueue_depth',
    help: 'XeroConnections waiting in the work queue.',
    registers: [this.registry],
  });
  readonly queueInFlight = new Gauge({
    name: 'xao_workqueue_in_flight',
    help: 'XeroConnections being reconciled right now.',
    registers: [this.registry],
  });
  readonly reconcileOldestRunning: Gauge = new Gauge({
    name: 'xao_reconcile_oldest_running_seconds',
    help: 'How long the longest-running reconcile still in flight has run, in seconds; 0 when none runs. It grows while a reconcile hangs.',
    registers: [this.registry],
    collect: () => this.reconcileOldestRunning.set(this.oldestRunningMs() / 1000),
  });
  readonly xeroCalls = new Counter({
    name: 'xao_xero_calls_total',
    help: 'Xero HTTP calls by operation and status code.',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });
  readonly xeroRateLimited = new Counter({
    name: 'xao_xero_rate_limited_total',
    help: 'Xero 429 answers by limit (minute, day, appminute, concurrent).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly tokenRefreshes = new Counter({
    name: 'xao_token_refreshes_total',
    help: 'Token refreshes by outcome (rotated, reused, client_credentials, failed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly openFindings = new Gauge({
    name: 'xao_open_findings',
    help: 'Open findings by XeroConnection (namespace, name), check and severity.',
    labelNames: ['namespace', 'name', 'check', 'severity'] as const,
    registers: [this.registry],
  });
  readonly connectionReady = new Gauge({
    name: 'xao_connection_ready',
    help: '1 when the XeroConnection is Ready, 0 otherwise, with the reason.',
    labelNames: ['namespace', 'name', 'reason'] as const,
    registers: [this.registry],
  });
  readonly connectionLastSync = new Gauge({
    name: 'xao_connection_last_sync_timestamp_seconds',
    help: 'When the XeroConnection last synced successfully (status.lastSyncTime), in Unix seconds; none before its first sync.',
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
  });
  readonly connectionSyncInterval = new Gauge({
    name: 'xao_connection_sync_interval_seconds',
    help: "Time between the XeroConnection's scheduled syncs: spec.syncInterval (at most 30 days for AuthorizationCode), before jitter.",
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
  });
  readonly connectionDeleted = new Gauge({
    name: 'xao_connection_deleted_timestamp_seconds',
    help: 'When the XeroConnection was seen deleted, in Unix seconds; exported for an hour, so the stale-sync alert tells a deletion from a connection no longer reconciled.',
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
    collect: () => this.dropOldDeletions(),
  });
  readonly isLeader = new Gauge({
    name: 'xao_leader',
    help: '1 while this replica holds the leader Lease.',
    registers: [this.registry],
  });
  readonly namespaceClaimedElsewhere = new Gauge({
    name: 'xao_namespace_claimed_elsewhere',
    help: '1 while another release of the operator (holder) claims a namespace this leader watches: that release reconciles its XeroConnections, this one none of them.',
    labelNames: ['namespace', 'holder'] as const,
    registers: [this.registry],
  });
  readonly claimsRenewedLate = new Gauge({
    name: 'xao_namespace_claims_renewed_late',
    help: "Namespace claims this leader holds but has not renewed for half of CLAIM_DURATION: the API server answers their Lease requests too slowly. One not renewed for CLAIM_DURATION - CLAIM_RENEW_PERIOD is lost, and its namespace's reconciles are fenced.",
    registers: [this.registry],
  });
  readonly policyBundleRefused = new Gauge({
    name: 'xao_policy_bundle_refused',
    help: '1 while POLICY_BUNDLE_PATH holds a bundle this replica refused (it evaluates with the last good one).',
    registers: [this.registry],
  });
  readonly policyBundleInfo = new Gauge({
    name: 'xao_policy_bundle_info',
    help: "1 for the policy bundle this replica evaluates with: the file's sha256, its manifest revision (empty for a bare policy.wasm) and its source (built-in, or the POLICY_BUNDLE_PATH file). One series, replaced when a new bundle loads.",
    labelNames: ['sha256', 'revision', 'source'] as const,
    registers: [this.registry],
  });
  readonly buildInfo = new Gauge({
    name: 'xao_build_info',
    help: 'Always 1: the app and its version (its package.json).',
    labelNames: ['app', 'version'] as const,
    registers: [this.registry],
  });
  readonly crdSchemaRevision = new Gauge({
    name: 'xao_crd_schema_revision',
    help: "The installed XeroConnection CRD's schema revision (annotation xeroaccess.dev/schema-revision), read at start: never older than this build's, or it does not start.",
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'xao_webhook_deliveries_total',
    help: 'Alert webhook delivery attempts by result (delivered, retry, failed).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly retentionDeleted = new Counter({
    name: 'xao_retention_deleted_total',
    help: 'Rows deleted by the retention sweep because they outlived their retention limit, by kind (webhook_deliveries, audit_log, snapshots, snapshot_contents).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly reviewRemediationsOpen = new Gauge({
    name: 'xao_review_remediations_open',
    help: "Access review decisions to revoke or change a role that no later snapshot has shown carried out, by XeroConnection (namespace, name); the leader's count, refreshed every minute.",
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
  });
  readonly reviewRemediationOldest: Gauge<'namespace' | 'name'> = new Gauge({
    name: 'xao_review_remediation_oldest_seconds',
    help: 'How long ago the oldest of those decisions was made, in seconds; 0 when none. It grows while the decision is not carried out.',
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
    collect: () => this.measureOldestRemediations(),
  });
  readonly reviewsOverdue = new Gauge({
    name: 'xao_reviews_overdue',
    help: 'Open access reviews past their dueAt, by XeroConnection (namespace, name).',
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
  });
  readonly alertTargetInvalid = new Gauge({
    name: 'xao_alert_target_invalid',
    help: "1 while the namespace's xero-access-alerts Secret cannot be used: its alerts are recorded as undeliverable.",
    labelNames: ['namespace'] as const,
    registers: [this.registry],
  });

  private readonly now: () => number;
  private oldestRunningMs: () => number = () => 0;

  constructor(options: { defaultMetrics?: boolean; now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
    this.buildInfo.set({ app: 'reconciler', version: APP_VERSION }, 1);
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'xao_reconciler_' });
  }

  /** Where xao_reconcile_oldest_running_seconds reads, at each scrape, the age of the oldest reconcile in flight (ms). */
  measureOldestRunning(oldestRunningMs: () => number): void {
    this.oldestRunningMs = oldestRunningMs;
  }

  private readonly readyReason = new Map<string, string>();
  private readonly findingSeries = new Map<string, Set<string>>();
  /** Connections seen deleted this term, by key: when, to stop exporting it after DELETION_EXPORT_MS. */
  private readonly deletions = new Map<string, { namespace: string; name: string; at: number }>();
  /** The connections whose review series are exported, with when their oldest open remediation was decided (ms; null: none). */
  private readonly reviewWork = new Map<
    string,
    { namespace: string; name: string; oldestAt: number | null }
  >();
  /** Off once a term ends: the chart's alerts add up every replica, so only the leader may export these. */
  private exportsConnections = true;

  /**
   * Starting a term exports connection series again; ending one drops them (the next leader
   * exports its own) and ignores what reconciles still in flight set afterwards.
   */
  setLeading(leading: boolean): void {
    this.isLeader.set(leading ? 1 : 0);
    this.exportsConnections = leading;
    if (leading) return;
    this.claimsRenewedLate.set(0);
    this.alertTargetInvalid.reset();
    this.openFindings.reset();
    this.connectionReady.reset();
    this.connectionLastSync.reset();
    this.connectionSyncInterval.reset();
    this.connectionDeleted.reset();
    this.reviewRemediationsOpen.reset();
    this.reviewRemediationOldest.reset();
    this.reviewsOverdue.reset();
    this.reviewWork.clear();
    this.findingSeries.clear();
    this.readyReason.clear();
    this.deletions.clear();
  }

  /**
   * Replaces the review series with `work`, one entry per connection: a connection left out (deleted,
   * or in a namespace not watched) loses its series, one with nothing outstanding exports zeros.
   */
  setReviewWork(work: readonly ConnectionReviewWork[]): void {
    if (!this.exportsConnections) return;
    const keys = new Set(work.map((w) => `${w.namespace}/${w.name}`));
    for (const [key, { namespace, name }] of this.reviewWork)
      if (!keys.has(key)) this.dropReviewWork(key, { namespace, name });
    for (const w of work) {
      const labels = { namespace: w.namespace, name: w.name };
      this.reviewRemediationsOpen.set(labels, w.openRemediations);
      this.reviewsOverdue.set(labels, w.overdueReviews);
      this.reviewWork.set(`${w.namespace}/${w.name}`, {
        ...labels,
        oldestAt: w.oldestOpenRemediationAt?.getTime() ?? null,
      });
    }
  }

  private dropReviewWork(key: string, labels: { namespace: string; name: string }): void {
    this.reviewWork.delete(key);
    this.reviewRemediationsOpen.remove(labels);
    this.reviewRemediationOldest.remove(labels);
    this.reviewsOverdue.remove(labels);
  }

  /** At each scrape, so the age grows between the leader's refreshes. */
  private measureOldestRemediations(): void {
    const now = this.now();
    for (const { namespace, name, oldestAt } of this.reviewWork.values())
      this.reviewRemediationOldest.set(
        { namespace, name },
        oldestAt === null ? 0 : Math.max(now - oldestAt, 0) / 1000,
      );
  }

  /** From each read of a namespace's alerts Secret: a usable (or no) Secret drops the series. */
  setAlertTargetInvalid(namespace: string, invalid: boolean): void {
    if (invalid) this.alertTargetInvalid.set({ namespace }, 1);
    else this.alertTargetInvalid.remove({ namespace });
  }

  /** Replaces a connection's open-finding series: `counts` maps `check\u0000severity` to a count. */
  setOpenFindings(namespace: string, name: string, counts: ReadonlyMap<string, number>): void {
    if (!this.exportsConnections) return;
    const key = `${namespace}/${name}`;
    const series = this.findingSeries.get(key) ?? new Set<string>();
    for (const old of series) {
      if (counts.has(old)) continue;
      const [check, severity] = old.split('\u0000') as [string, string];
      this.openFindings.set({ namespace, name, check, severity }, 0);
    }
    for (const [series_, count] of counts) {
      const [check, severity] = series_.split('\u0000') as [string, string];
      this.openFindings.set({ namespace, name, check, severity }, count);
      series.add(series_);
    }
    this.findingSeries.set(key, series);
  }

  /** Whether this term has exported the connection's open findings yet (an empty set counts). */
  exportsOpenFindings(namespace: string, name: string): boolean {
    return this.findingSeries.has(`${namespace}/${name}`);
  }

  setReady(namespace: string, name: string, ready: boolean, reason: string): void {
    if (!this.exportsConnections) return;
    const key = `${namespace}/${name}`;
    const previous = this.readyReason.get(key);
    if (previous !== undefined && previous !== reason)
      this.connectionReady.remove({ namespace, name, reason: previous });
    this.readyReason.set(key, reason);
    this.connectionReady.set({ namespace, name, reason }, ready ? 1 : 0);
  }

  /**
   * The connection's last successful sync (no series before the first) and its sync interval: the
   * chart's stale-sync alert compares them, also once they are no longer exported.
   */
  setSyncSchedule(
    namespace: string,
    name: string,
    lastSyncTime: string | undefined,
    intervalMs: number,
  ): void {
    if (!this.exportsConnections) return;
    const labels = { namespace, name };
    this.connectionSyncInterval.set(labels, intervalMs / 1000);
    const last = Date.parse(lastSyncTime ?? '');
    if (Number.isNaN(last)) this.connectionLastSync.remove(labels);
    else this.connectionLastSync.set(labels, last / 1000);
    // Created again under the same name.
    if (this.deletions.delete(`${namespace}/${name}`)) this.connectionDeleted.remove(labels);
  }

  /** The connection is gone: its series go, and for an hour a deletion time says it was deleted. */
  forgetConnection(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.connectionLastSync.remove({ namespace, name });
    this.connectionSyncInterval.remove({ namespace, name });
    if (this.exportsConnections) {
      const at = this.now();
      this.deletions.set(key, { namespace, name, at });
      this.connectionDeleted.set({ namespace, name }, at / 1000);
    }
    for (const series of this.findingSeries.get(key) ?? []) {
      const [check, severity] = series.split('\u0000') as [string, string];
      this.openFindings.remove({ namespace, name, check, severity });
    }
    this.findingSeries.delete(key);
    const reason = this.readyReason.get(key);
    if (reason !== undefined) this.connectionReady.remove({ namespace, name, reason });
    this.readyReason.delete(key);
    this.dropReviewWork(key, { namespace, name });
  }

  private dropOldDeletions(): void {
    const oldest = this.now() - DELETION_EXPORT_MS;
    for (const [key, { namespace, name, at }] of this.deletions) {
      if (at > oldest) continue;
      this.deletions.delete(key);
      this.connectionDeleted.remove({ namespace, name });
    }
  }
}

/** One connection's outstanding review work, as the leader exports it (`setReviewWork`). */
export interface ConnectionReviewWork {
  namespace: string;
  name: string;
  openRemediations: number;
  oldestOpenRemediationAt: Date | null;
  overdueReviews: number;
}

/**
 * How long a deletion is exported: a few scrapes suffice, since the alert reads it back as far as
 * the last sync time (its last sample is never older than the last sync time's).
 */
export const DELETION_EXPORT_MS = 3_600_000;

export const CHECK_IDS = [
  'user-identified',
  'offboarded-access-removed',
  'critical-system-access-configured',
  'critical-system-access-valid',
] as const;
