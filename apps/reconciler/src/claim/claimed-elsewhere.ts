import type { EventRecorder } from '../events/event-recorder.js';
import { describeKubeError } from '../kube/http-status.js';
import { splitKey } from '../kube/object-key.js';
import type { XeroConnectionApi } from '../kube/xero-connection-api.js';
import type { Logger } from '../logging/logger.js';
import type { ReconcilerMetrics } from '../metrics/metrics.js';
import { CLAIM_LEASE_NAME } from './namespace-claims.js';

export const CLAIMED_ELSEWHERE_REASON = 'NamespaceClaimedElsewhere';

export interface ClaimedElsewhereOptions {
  identity: string;
  durationMs: number;
  api: XeroConnectionApi;
  events: EventRecorder;
  metrics: ReconcilerMetrics;
  logger: Logger;
}

/** The Warning Event's note: who claims the namespace, and how to end two releases watching it. */
export function claimedElsewhereNote(
  namespace: string,
  holder: string,
  identity: string,
  durationMs: number,
): string {
  return (
    `Not reconciled by release ${identity}: namespace ${namespace} is claimed by release ` +
    `${holder} (Lease ${CLAIM_LEASE_NAME}), which reconciles this XeroConnection. Two releases ` +
    `of the operator watch this namespace: narrow one release's watchNamespaces so that only one ` +
    `does. Until then this release checks again every ${Math.ceil(durationMs / 1000)} s and ` +
    `takes the namespace over if ${holder} stops renewing its claim.`
  );
}

/**
 * Makes a namespace claimed by another release visible, for one leader term: a warn log line
 * once per namespace and holder, the gauge xao_namespace_claimed_elsewhere{namespace,holder}
 * while it lasts, and a Warning Event once per XeroConnection and holder.
 */
export class ClaimedElsewhere {
  private readonly logged = new Set<string>();
  private readonly recorded = new Set<string>();
  /** Holder exported per namespace. */
  private readonly exported = new Map<string, string>();
  private ended = false;

  constructor(private readonly options: ClaimedElsewhereOptions) {}

  async report(key: string, holder: string, fenced: AbortSignal): Promise<void> {
    if (this.ended) return;
    const { namespace, name } = splitKey(key);
    this.export(namespace, holder);
    if (!this.logged.has(`${namespace}\u0000${holder}`)) {
      this.logged.add(`${namespace}\u0000${holder}`);
      this.options.logger.warn(
        { namespace, holder, identity: this.options.identity, lease: CLAIM_LEASE_NAME },
        "namespace claimed by another release: its XeroConnections are left to that release's leader",
      );
    }
    const once = `${key}\u0000${holder}`;
    if (this.recorded.has(once) || fenced.aborted) return;
    this.recorded.add(once);
    try {
      const connection = await this.options.api.get(namespace, name, fenced);
      if (!connection || fenced.aborted) return;
      const { identity, durationMs } = this.options;
      await this.options.events.record(
        connection,
        'Warning',
        CLAIMED_ELSEWHERE_REASON,
        'Claim',
        claimedElsewhereNote(namespace, holder, identity, durationMs),
        fenced,
      );
    } catch (error) {
      this.recorded.delete(once);
      this.options.logger.warn(
        { connection: key, error: describeKubeError(error) },
        'could not read the XeroConnection to record its Event',
      );
    }
  }

  /** This release holds the namespace's claim (again): a later claim elsewhere is reported anew. */
  heldHere(namespace: string): void {
    const holder = this.exported.get(namespace);
    if (holder === undefined) return;
    this.options.metrics.namespaceClaimedElsewhere.remove({ namespace, holder });
    this.exported.delete(namespace);
    for (const set of [this.logged, this.recorded]) {
      for (const entry of set) {
        if (entry.startsWith(`${namespace}\u0000`) || entry.startsWith(`${namespace}/`))
          set.delete(entry);
      }
    }
  }

  /** The term ended: the gauge goes (only a leader exports it), and nothing more is reported. */
  end(): void {
    this.ended = true;
    for (const [namespace, holder] of this.exported)
      this.options.metrics.namespaceClaimedElsewhere.remove({ namespace, holder });
    this.exported.clear();
  }

  private export(namespace: string, holder: string): void {
    const previous = this.exported.get(namespace);
    if (previous === holder) return;
    if (previous !== undefined)
      this.options.metrics.namespaceClaimedElsewhere.remove({ namespace, holder: previous });
    this.options.metrics.namespaceClaimedElsewhere.set({ namespace, holder }, 1);
    this.exported.set(namespace, holder);
  }
}
