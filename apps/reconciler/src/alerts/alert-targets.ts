import type { CoreV1Api } from '@kubernetes/client-node';
import { abortOptions } from '@xero-access/crd';
import { webhookTargetProblem } from '@xero-access/model';
import { isNotFound } from '../kube/http-status.js';

/** Where a namespace's alerts go and the secret their signatures use. */
export interface AlertTarget {
  url: string;
  secret: string;
}

/** A namespace overrides the global webhook with a Secret of this name (keys `url`, `secret`). */
export const NAMESPACE_ALERTS_SECRET = 'xero-access-alerts';

/**
 * A namespace's alerts Secret that cannot be used. Its findings are not applied until it is
 * fixed: sending them to the global webhook (maybe another team's) or to none would be worse.
 */
export class InvalidAlertTargetError extends Error {
  constructor(namespace: string, key: 'url' | 'secret', problem: string) {
    super(`Secret ${namespace}/${NAMESPACE_ALERTS_SECRET} key ${key}: ${problem}`);
    this.name = 'InvalidAlertTargetError';
  }
}

const CACHE_MS = 30_000;

const decode = (data: Record<string, string> | undefined, key: string): string | undefined => {
  const value = data?.[key];
  return value === undefined
    ? undefined
    : Buffer.from(value, 'base64').toString('utf8').trim() || undefined;
};

/**
 * Alert webhook configuration per namespace (Secret `xero-access-alerts` with `url` and `secret`),
 * else the global one (ALERT_WEBHOOK_URL / ALERT_WEBHOOK_SECRET), else none.
 */
export class AlertTargets {
  private readonly cache = new Map<string, { at: number; target: AlertTarget | undefined }>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly global: AlertTarget | undefined,
  ) {}

  /** `signal` aborts the Secret's read (a cached answer needs none). */
  async targetFor(namespace: string, signal?: AbortSignal): Promise<AlertTarget | undefined> {
    const cached = this.cache.get(namespace);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.target ?? this.global;
    let target: AlertTarget | undefined;
    try {
      const secret = await this.core.readNamespacedSecret(
        { namespace, name: NAMESPACE_ALERTS_SECRET },
        signal && abortOptions(signal),
      );
      const url = decode(secret.data, 'url');
      const signing = decode(secret.data, 'secret');
      if (!url) throw new InvalidAlertTargetError(namespace, 'url', 'is missing or empty');
      if (!signing) throw new InvalidAlertTargetError(namespace, 'secret', 'is missing or empty');
      const problem = webhookTargetProblem(url);
      if (problem) throw new InvalidAlertTargetError(namespace, 'url', problem);
      target = { url, secret: signing };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    this.cache.set(namespace, { at: Date.now(), target });
    return target ?? this.global;
  }

  /** The signing secret for a delivery to `url` of a finding in `namespace`. */
  async secretFor(namespace: string | undefined, url: string): Promise<string | undefined> {
    if (namespace) {
      const target = await this.targetFor(namespace);
      if (target?.url === url) return target.secret;
    }
    return this.global?.url === url ? this.global.secret : undefined;
  }
}
