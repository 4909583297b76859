import type { LookupFunction } from 'node:net';
import type { CoreV1Api } from '@kubernetes/client-node';
import { abortOptions } from '@xero-access/crd';
import { redactWebhookTarget, webhookTargetProblem } from '@xero-access/model';
import { isNotFound } from '../kube/http-status.js';
import type { AlertPayloadDetail } from './finding-alerts.js';
import {
  NO_ALLOWED_HOSTS,
  checkedLookup,
  namespaceUrlProblem,
  resolvedProblem,
  type AllowedHosts,
} from './webhook-host-policy.js';
import { webhookSecretProblem, webhookSecretText } from './webhook-secret.js';

/** Where alerts go and the secret their signatures use. */
export interface AlertTarget {
  url: string;
  secret: string;
}

/** Where one delivery is sent: `lookup` checks the addresses a namespace's target resolves to. */
export interface WebhookEndpoint extends AlertTarget {
  lookup?: LookupFunction;
}

/**
 * A namespace adds its own webhook with a Secret of this name (keys `url`, `secret`: at least 32
 * bytes).
 */
export const NAMESPACE_ALERTS_SECRET = 'xero-access-alerts';

/** What stands for a namespace's alerts Secret in the delivery log when it cannot be used. */
export const namespaceTargetLabel = (namespace: string): string =>
  `secret://${namespace}/${NAMESPACE_ALERTS_SECRET}`;

/** Starts the sentence a condition message or Event adds about an unusable alerts Secret. */
export const ALERT_TARGET_NOTE = 'Alert webhook:';

/** Where a connection's alerts go. */
export interface AlertRoute {
  /** The global target, then the namespace's own when it has a usable one: each gets every alert. */
  targets: AlertTarget[];
  /** How much of a finding each alert carries (ALERT_PAYLOAD_DETAIL). */
  payloadDetail: AlertPayloadDetail;
  /** The namespace's Secret cannot be used: its alerts are recorded failed, with why. */
  undeliverable?: { target: string; reason: string };
  /**
   * The namespace's Secret cannot be used: what a Warning Event and PoliciesEvaluated say
   * (starts with ALERT_TARGET_NOTE).
   */
  invalid?: string;
}

export interface AlertTargetsOptions {
  /** ALERT_WEBHOOK_URL / ALERT_WEBHOOK_SECRET: trusted, it may be inside the cluster. */
  global?: AlertTarget;
  /** ALERT_NAMESPACE_TARGETS: false, and no namespace's Secret is read. Default true. */
  namespaceTargets?: boolean;
  /** ALERT_WEBHOOK_ALLOWED_HOSTS: what a namespace's webhook may reach besides public https. */
  allowedHosts?: AllowedHosts;
  /** ALERT_PAYLOAD_DETAIL: how much of a finding each alert carries. Default full. */
  payloadDetail?: AlertPayloadDetail;
  /** After each read of a namespace's Secret: why it cannot be used, or undefined (usable, none). */
  onChecked?(namespace: string, problem: string | undefined): void;
  /** How a namespace's host is resolved when its Secret is read (tests). */
  resolve?: Parameters<typeof resolvedProblem>[2];
}

/** A namespace's Secret as last read: its target, why it cannot be used, or neither (none). */
interface NamespaceState {
  target?: AlertTarget;
  problem?: string;
}

const CACHE_MS = 30_000;

const decode = (data: Record<string, string> | undefined, key: string): string | undefined => {
  const value = data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
};

/**
 * Alert webhook targets: the global one (ALERT_WEBHOOK_URL / ALERT_WEBHOOK_SECRET) gets every
 * alert; a namespace's Secret `xero-access-alerts` (`url`, `secret`) adds a target for that
 * namespace's alerts (it does not replace the global one). A namespace's URL must be public
 * https unless ALERT_WEBHOOK_ALLOWED_HOSTS allows its host (webhook-host-policy.ts).
 */
export class AlertTargets {
  private readonly cache = new Map<string, { at: number; state: NamespaceState }>();
  /** The alerts Secret problem last reported per connection key: reported once, until it changes. */
  private readonly reported = new Map<string, string>();
  private readonly global: AlertTarget | undefined;
  private readonly namespaceTargets: boolean;
  private readonly allowedHosts: AllowedHosts;

  constructor(
    private readonly core: CoreV1Api,
    private readonly options: AlertTargetsOptions = {},
  ) {
    this.global = options.global;
    this.namespaceTargets = options.namespaceTargets ?? true;
    this.allowedHosts = options.allowedHosts ?? NO_ALLOWED_HOSTS;
  }

  get hasGlobal(): boolean {
    return this.global !== undefined;
  }

  get payloadDetail(): AlertPayloadDetail {
    return this.options.payloadDetail ?? 'full';
  }

  /**
   * Where the alerts of a connection in `namespace` go. A Secret that cannot be used makes its
   * alerts undeliverable, nothing else; the findings and their other alerts are recorded as usual.
   * Fails only when the Secret cannot be read (an API error, a timeout; none is not a failure) and
   * there is no earlier answer to go by: the caller retries (a sync with backoff, the expiry sweep
   * at its next run). `readNamespace: false` (a namespace no longer watched): the global target only.
   */
  async routeFor(
    namespace: string,
    options: { signal?: AbortSignal; readNamespace?: boolean } = {},
  ): Promise<AlertRoute> {
    const targets = this.global ? [this.global] : [];
    const { payloadDetail } = this;
    if (!this.namespaceTargets || options.readNamespace === false)
      return { targets, payloadDetail };
    let state: NamespaceState;
    try {
      state = await this.namespaceState(namespace, options.signal);
    } catch (error) {
      // A failed read passes: with no earlier answer the caller retries rather than lose the alerts.
      const last = this.cache.get(namespace);
      if (!last) throw error;
      state = last.state;
    }
    if (state.problem) {
      return {
        targets,
        payloadDetail,
        undeliverable: { target: namespaceTargetLabel(namespace), reason: state.problem },
        invalid: this.note(state.problem),
      };
    }
    const own = state.target;
    const sameAsGlobal =
      own && this.global && redactWebhookTarget(own.url) === redactWebhookTarget(this.global.url);
    return { targets: own && !sameAsGlobal ? [...targets, own] : targets, payloadDetail };
  }

  /**
   * The configured endpoint a stored delivery's target (redacted, or in full from an earlier
   * version) stands for, for a finding in `namespace`; undefined when none does any more. Fails
   * when the namespace's Secret cannot be read.
   */
  async endpointFor(
    namespace: string | undefined,
    target: string,
  ): Promise<WebhookEndpoint | undefined> {
    const matches = (url: string) => url === target || redactWebhookTarget(url) === target;
    if (this.global && matches(this.global.url)) return this.global;
    if (!namespace || !this.namespaceTargets) return undefined;
    const own = (await this.namespaceState(namespace)).target;
    if (!own || !matches(own.url)) return undefined;
    return { ...own, lookup: checkedLookup(this.allowedHosts) };
  }

  /**
   * Whether `invalid` (AlertRoute.invalid, or undefined once fixed) is news for the connection:
   * a Warning Event is due once per problem, not at every sync.
   */
  isNewProblem(connectionKey: string, invalid: string | undefined): boolean {
    if (invalid === undefined) {
      this.reported.delete(connectionKey);
      return false;
    }
    if (this.reported.get(connectionKey) === invalid) return false;
    this.reported.set(connectionKey, invalid);
    return true;
  }

  private note(problem: string): string {
    const where = this.global
      ? 'the global webhook still receives them'
      : 'no global webhook is configured, so they reach no receiver';
    return `${ALERT_TARGET_NOTE} ${problem}. Until it is fixed this namespace's alerts are recorded as undeliverable (${where}); findings are applied as usual.`;
  }

  /** The namespace's Secret, read at most every 30 s. Fails when it cannot be read. */
  private async namespaceState(namespace: string, signal?: AbortSignal): Promise<NamespaceState> {
    const cached = this.cache.get(namespace);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.state;
    const state = await this.readState(namespace, signal);
    this.cache.set(namespace, { at: Date.now(), state });
    this.options.onChecked?.(namespace, state.problem);
    return state;
  }

  private async readState(namespace: string, signal?: AbortSignal): Promise<NamespaceState> {
    let data: Record<string, string> | undefined;
    try {
      const secret = await this.core.readNamespacedSecret(
        { namespace, name: NAMESPACE_ALERTS_SECRET },
        signal && abortOptions(signal),
      );
      data = secret.data;
    } catch (error) {
      if (isNotFound(error)) return {};
      throw error;
    }
    const url = decode(data, 'url')?.trim() || undefined;
    const secret = webhookSecretText(decode(data, 'secret'));
    const invalid = (key: 'url' | 'secret', problem: string): NamespaceState => ({
      problem: `Secret ${namespace}/${NAMESPACE_ALERTS_SECRET} key ${key}: ${problem}`,
    });
    if (!url) return invalid('url', 'is missing or empty');
    if (!secret) return invalid('secret', 'is missing or empty');
    const secretProblem = webhookSecretProblem(secret);
    if (secretProblem) return invalid('secret', secretProblem);
    const problem =
      webhookTargetProblem(url) ??
      namespaceUrlProblem(url, this.allowedHosts) ??
      (await resolvedProblem(url, this.allowedHosts, this.options.resolve));
    return problem ? invalid('url', problem) : { target: { url, secret } };
  }
}
