import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
  readonly isLeader = new Gauge({
    name: 'xao_leader',
    help: '1 while this replica holds the leader Lease.',
    registers: [this.registry],
  });
  readonly policyBundleRefused = new Gauge({
    name: 'xao_policy_bundle_refused',
    help: '1 while POLICY_BUNDLE_PATH holds a bundle this replica refused (it evaluates with the last good one).',
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'xao_webhook_deliveries_total',
    help: 'Alert webhook delivery attempts by result (delivered, retry, failed).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'xao_reconciler_' });
  }

  private readonly readyReason = new Map<string, string>();
  private readonly findingSeries = new Map<string, Set<string>>();
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
    this.openFindings.reset();
    this.connectionReady.reset();
    this.findingSeries.clear();
    this.readyReason.clear();
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

  forgetConnection(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    for (const series of this.findingSeries.get(key) ?? []) {
      const [check, severity] = series.split('\u0000') as [string, string];
      this.openFindings.remove({ namespace, name, check, severity });
    }
    this.findingSeries.delete(key);
    const reason = this.readyReason.get(key);
    if (reason !== undefined) this.connectionReady.remove({ namespace, name, reason });
    this.readyReason.delete(key);
  }
}

export const CHECK_IDS = [
  'user-identified',
  'offboarded-access-removed',
  'critical-system-access-configured',
  'critical-system-access-valid',
] as const;
