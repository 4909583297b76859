import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ReconcileResult, ReconcileSignals } from '../controller/controller.js';
import { FencedError } from '../controller/fenced.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { splitKey } from '../kube/object-key.js';
import { XeroConnectionApi } from '../kube/xero-connection-api.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import { ClaimedElsewhere } from './claimed-elsewhere.js';
import { NamespaceClaims, type ClaimSettings } from './namespace-claims.js';

type Next = (signals: ReconcileSignals) => Promise<ReconcileResult | void>;

/**
 * What every reconcile of a leader term goes through first: a XeroConnection is reconciled only
 * while this release holds its namespace's claim (NamespaceClaims), and then stops writing when the
 * claim is lost, as when the leader Lease is. In a namespace another release claims nothing is
 * done (no status, no Xero call, no finalizer work: deletion too is left to the claim's holder),
 * the situation is reported (ClaimedElsewhere), and the connection is looked at again once that
 * claim could have lapsed.
 */
export class ClaimGate {
  constructor(
    private readonly claims: NamespaceClaims,
    private readonly elsewhere: ClaimedElsewhere,
  ) {}

  start(): void {
    this.claims.start();
  }

  async stop(): Promise<void> {
    await this.claims.stop();
    this.elsewhere.end();
  }

  async reconcile(
    key: string,
    signals: ReconcileSignals,
    next: Next,
  ): Promise<ReconcileResult | void> {
    // The term is over: the release's next leader reconciles the key.
    if (this.claims.stopped) throw new FencedError();
    const { namespace } = splitKey(key);
    const claim = await this.claims.check(namespace);
    if (!claim.held) {
      await this.elsewhere.report(key, claim.holder, signals.fenced);
      return { requeueAfterMs: claim.retryAfterMs };
    }
    this.elsewhere.heldHere(namespace);
    return this.claims.using(namespace, () =>
      next({ ...signals, fenced: AbortSignal.any([signals.fenced, claim.lost]) }),
    );
  }
}

/** A term's gate: its own claims (renewed from `start()`) and reports. */
export function createClaimGate(options: {
  kubeConfig: KubeConfig;
  settings: ClaimSettings;
  events: EventRecorder;
  metrics: ReconcilerMetrics;
  logger: Logger;
}): ClaimGate {
  const { kubeConfig, settings, events, metrics, logger } = options;
  return new ClaimGate(
    new NamespaceClaims({
      ...settings,
      api: kubeConfig.makeApiClient(CoordinationV1Api),
      logger,
      onLate: (claims) => metrics.claimsRenewedLate.set(claims),
    }),
    new ClaimedElsewhere({
      identity: settings.identity,
      durationMs: settings.durationMs,
      api: new XeroConnectionApi(kubeConfig),
      events,
      metrics,
      logger,
    }),
  );
}
