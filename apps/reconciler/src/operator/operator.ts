import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { XeroConnection } from '@xero-access/crd';
import type { WebhookSender } from '../alerts/webhook-sender.js';
import type { ClaimGate } from '../claim/claim-gate.js';
import { Controller } from '../controller/controller.js';
import { objectKey } from '../kube/object-key.js';
import { LeaseElector } from '../leader/lease-elector.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import type { ConnectionReconciler } from '../reconcile/connection-reconciler.js';
import type { ResourceWatcher } from '../watch/resource-watcher.js';
import { shutdownDeadlines } from './shutdown-budget.js';
import { sleep } from '../util/sleep.js';
import { needsReconcile } from '../watch/predicates.js';
import { SecretReferences } from '../watch/secret-references.js';
import { createSecretWatcher } from '../watch/secret-watcher.js';
import { createXeroConnectionWatcher } from '../watch/xero-connection-watcher.js';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  reconciler: ConnectionReconciler;
  metrics: ReconcilerMetrics;
  logger: Logger;
  identity: string;
  /** Empty: every namespace. */
  namespaces: string[];
  workers: number;
  resyncMs: number;
  shutdownDrainMs: number;
  /** The pod's grace period: a graceful stop, Lease release included, ends within it. */
  shutdownGracePeriodMs: number;
  leaderElection: {
    enabled: boolean;
    namespace: string;
    name: string;
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
  };
  webhookSender?: WebhookSender;
  /** A new term's claims on the namespaces it reconciles in, between releases (claim/). */
  claimGate: () => ClaimGate;
}

interface Term {
  controller: Controller;
  claims: ClaimGate;
  /** XeroConnections, and the Secrets they reference (metadata only). */
  watchers: ResourceWatcher<KubernetesObject>[];
  /** Aborted as the term ends: the Lease lost, or a stop (what `leadership` hands out). */
  ended: AbortController;
}

/**
 * The running operator: campaigns for the leader Lease; while leading, watches XeroConnections
 * (and the Secrets they reference: a fixed Secret is picked up at once) and feeds their keys to
 * the controller's workers, which reconcile one only while the release claims its namespace
 * (claim/). Shutting down, it stops taking work, lets in-flight reconciles finish (or hands them
 * back), and releases the Lease (the namespace claims it leaves to lapse, or to the release's
 * next leader). On losing the Lease it fences in-flight reconciles at once (they write nothing
 * more: the next leader may start within leaseDuration - renewDeadline), then ends the term the
 * same way.
 */
export class Operator {
  private readonly elector: LeaseElector | undefined;
  private term: Term | undefined;
  /** Controllers of terms not yet fully ended (one still draining included). */
  private readonly controllers = new Set<Controller>();
  private termChange: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(private readonly options: OperatorOptions) {
    options.metrics.measureOldestRunning(() => this.oldestReconcileMs);
    const le = options.leaderElection;
    if (le.enabled) {
      this.elector = new LeaseElector({
        kubeConfig: options.kubeConfig,
        namespace: le.namespace,
        name: le.name,
        identity: options.identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        logger: options.logger,
        onStartedLeading: () => this.changeTerm(true),
        onStoppedLeading: () => this.lostLeadership(),
        onNewLeader: (identity) => options.logger.info({ leader: identity }, 'observed leader'),
      });
    }
  }

  start(): void {
    if (this.elector) this.elector.start();
    else this.changeTerm(true);
  }

  get isLeader(): boolean {
    return this.term !== undefined;
  }

  /**
   * While leading, a signal aborted the moment this term ends (the Lease lost, or a stop begins),
   * before the term's work has drained: the leader's sweeps stop before their next batch.
   */
  get leadership(): AbortSignal | undefined {
    const signal = this.term?.ended.signal;
    return signal && !signal.aborted ? signal : undefined;
  }

  /** Reconciles the connection soon, when this replica leads (a standby has no work queue). */
  enqueue(key: string): void {
    this.term?.controller.enqueue(key);
  }

  /** Ready to serve: a standby is ready; a leader once its watches have listed everything. */
  get isReady(): boolean {
    if (this.stopping) return false;
    return !this.term || this.term.watchers.every((w) => w.hasSynced);
  }

  get queueDepth(): number {
    return this.term?.controller.queue.length ?? 0;
  }

  get inFlight(): number {
    return this.term?.controller.queue.inFlight ?? 0;
  }

  /** How long the oldest reconcile in flight has run, in ms (a draining term's too); 0 when none. */
  get oldestReconcileMs(): number {
    return Math.max(0, ...[...this.controllers].map((c) => c.queue.oldestProcessingMs()));
  }

  /**
   * Graceful shutdown: stop work (drain), then release the Lease so a standby takes over at once,
   * all within the grace period (shutdown-budget.ts): work that outlasts its share is fenced and
   * left behind rather than keep the Lease from being released before the pod is killed.
   */
  async stop(): Promise<void> {
    const { workStoppedBy, releasedBy } = shutdownDeadlines(Date.now(), {
      drainMs: this.options.shutdownDrainMs,
      gracePeriodMs: this.options.shutdownGracePeriodMs,
    });
    this.stopping = true;
    this.changeTerm(false);
    const giveUp = new AbortController();
    const stopped = await Promise.race([
      this.termChange.then(() => true),
      sleep(Math.max(workStoppedBy - Date.now(), 0), giveUp.signal).then(() => false),
    ]);
    giveUp.abort();
    if (!stopped) {
      for (const controller of this.controllers) controller.fence();
      this.options.logger.warn(
        { afterMs: this.options.shutdownDrainMs },
        'stopping work took longer than the drain allows: releasing the Lease regardless',
      );
    }
    await this.elector?.stop({ releaseTimeoutMs: releasedBy - Date.now() });
  }

  /** Ending: the current term's `ended` is aborted at once, before an earlier term has drained. */
  private changeTerm(leading: boolean): void {
    if (!leading) this.term?.ended.abort();
    this.termChange = this.termChange.then(() =>
      leading && !this.stopping ? this.startTerm() : this.endTerm(),
    );
  }

  /** Fences at once, not when the term changes come to it: a term before may still be draining. */
  private lostLeadership(): void {
    this.changeTerm(false);
    for (const controller of this.controllers) controller.fence();
  }

  private async startTerm(): Promise<void> {
    // Leadership was lost again while an earlier term drained: its end is queued next.
    if (this.term || (this.elector && !this.elector.isLeader)) return;
    const { options } = this;
    options.metrics.setLeading(true);
    const claims = options.claimGate();
    const controller = new Controller({
      name: 'xeroconnection',
      workers: options.workers,
      logger: options.logger,
      reconcile: (key, signals) =>
        claims.reconcile(key, signals, (claimed) => options.reconciler.reconcile(key, claimed)),
      onReconciled: (_key, durationMs, outcome) =>
        options.metrics.reconcileDuration.observe({ outcome }, durationMs / 1000),
    });
    const enqueue = (object: XeroConnection): void => controller.enqueue(objectKey(object));
    const secrets = new SecretReferences();
    const namespaces = options.namespaces.length > 0 ? options.namespaces : [undefined];
    const connectionWatchers = namespaces.map((namespace) =>
      createXeroConnectionWatcher({
        kubeConfig: options.kubeConfig,
        ...(namespace ? { namespace } : {}),
        resyncMs: options.resyncMs,
        logger: options.logger,
        onEvent: (type, object, previous) => {
          secrets.track(type, object);
          if (needsReconcile(type, object, previous)) enqueue(object);
        },
        onResync: (objects) => objects.forEach(enqueue),
      }),
    );
    const secretWatchers = namespaces.map((namespace) =>
      createSecretWatcher({
        kubeConfig: options.kubeConfig,
        ...(namespace ? { namespace } : {}),
        logger: options.logger,
        onChange: (secret) => {
          for (const key of secrets.connectionsUsing(secret.namespace, secret.name)) {
            if (options.reconciler.secretChanged(key, secret)) controller.enqueue(key);
          }
        },
      }),
    );
    const watchers: ResourceWatcher<KubernetesObject>[] = [
      ...connectionWatchers,
      ...secretWatchers,
    ];
    this.term = { controller, claims, watchers, ended: new AbortController() };
    this.controllers.add(controller);
    claims.start();
    controller.start();
    watchers.forEach((w) => w.start());
    options.webhookSender?.start();
    options.logger.info(
      { identity: options.identity, namespaces: options.namespaces, workers: options.workers },
      'leading: reconciling XeroConnections',
    );
  }

  private async endTerm(): Promise<void> {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    // Again: a term started while an earlier one drained, after the change that ends it was asked.
    term.ended.abort();
    this.options.metrics.setLeading(false);
    await Promise.all(term.watchers.map((w) => w.stop()));
    // Not released, only no longer renewed: the release's next leader renews them.
    await term.claims.stop();
    const { drained } = await term.controller.stop(this.options.shutdownDrainMs);
    this.controllers.delete(term.controller);
    this.options.reconciler.stoppedLeading();
    await this.options.webhookSender?.stop();
    this.options.logger.info(
      { drained },
      drained ? 'stopped: in-flight work finished' : 'stopped: in-flight work handed back',
    );
  }
}
