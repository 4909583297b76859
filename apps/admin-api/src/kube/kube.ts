import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  listXeroConnectionsPage,
  makeApiClientWithTimeout,
  UserAgentKubeConfig,
} from '@xero-access/crd';
import { KUBE_USER_AGENT } from '../app/version.js';

export const XC = {
  group: 'xeroaccess.dev',
  version: 'v1alpha1',
  plural: 'xeroconnections',
} as const;

/** The subset of a XeroConnection this API reads. */
export interface XeroConnectionResource {
  metadata: {
    namespace: string;
    name: string;
    creationTimestamp?: string;
    generation?: number;
    uid?: string;
  };
  spec: {
    authFlow?: string;
    tenantId?: string;
    scopes?: string[];
    syncInterval?: string;
    criticalSystem?: boolean;
    suspend?: boolean;
    credentialsSecretRef?: { name: string; clientIdKey?: string; clientSecretKey?: string };
    tokenSecretRef?: { name: string };
    accessControl?: { roleMappings?: { orgRole: string; xeroRoles?: string[] }[] };
  };
  status?: Record<string, unknown>;
}

/** One page of a XeroConnection listing, and the token Kubernetes gave for the rest (null: none). */
export interface XeroConnectionPage {
  items: XeroConnectionResource[];
  continue: string | null;
}

/**
 * KUBECONFIG when given, in-cluster when running in a pod, else the default file; null if none.
 * Every request names the admin API (KUBE_USER_AGENT).
 */
export function loadKubeConfig(path?: string): KubeConfig | null {
  const kc = new UserAgentKubeConfig(KUBE_USER_AGENT);
  try {
    if (path) kc.loadFromFile(path);
    else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch {
    return null;
  }
  return kc.getCurrentCluster() ? kc : null;
}

/** The HTTP status of a failed Kubernetes call (ApiException: `code`); undefined for network errors. */
export function kubeStatusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown } | null;
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

export const isNotFound = (error: unknown): boolean => kubeStatusOf(error) === 404;
export const isConflict = (error: unknown): boolean => kubeStatusOf(error) === 409;

/**
 * How long any Kubernetes call waits for its answer. An API server that takes the connection but
 * never answers would otherwise hold the request (a person waiting on the list or the OAuth
 * callback) forever. Longer than an admission webhook's default timeout (10 s), which the token
 * Secret's dry run and write may wait on; as long as a call to Xero may take.
 */
export const KUBE_REQUEST_TIMEOUT_MS = 15_000;

/**
 * What a failed Kubernetes call met, for logs and answers: `HTTP 403`, or why it got no answer,
 * `unreachable (ECONNREFUSED)`, `unreachable (no answer within 15 s)` (`timeoutMs`: the call's).
 */
export function kubeProblemOf(error: unknown, timeoutMs: number = KUBE_REQUEST_TIMEOUT_MS): string {
  const status = kubeStatusOf(error);
  if (status !== undefined) return `HTTP ${status}`;
  const e = error as { code?: unknown; message?: string; name?: string } | null;
  // The only signal on these calls is the timeout's; node-fetch's AbortError names neither.
  if (e?.name === 'AbortError') return `unreachable (no answer within ${timeoutMs / 1000} s)`;
  return `unreachable (${String(e?.code ?? e?.message ?? 'no answer')})`;
}

/** Reads XeroConnections and their Secrets; every call gives up after `timeoutMs` without answer. */
export class KubeGateway {
  private readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;

  /** `namespaces`: the ones the reconciler watches (the chart grants Roles only there); empty: all. */
  constructor(
    readonly kc: KubeConfig,
    private readonly namespaces: readonly string[] = [],
    readonly timeoutMs: number = KUBE_REQUEST_TIMEOUT_MS,
  ) {
    this.custom = makeApiClientWithTimeout(kc, CustomObjectsApi, timeoutMs);
    this.core = makeApiClientWithTimeout(kc, CoreV1Api, timeoutMs);
  }

  /** What a call failed on (kubeProblemOf): `HTTP 403`, `unreachable (no answer within 15 s)`. */
  problemOf(error: unknown): string {
    return kubeProblemOf(error, this.timeoutMs);
  }

  /**
   * The lists XeroConnections are read from, in the order Kubernetes keys their items
   * (`namespace/name`, character by character): each watched namespace, or null for one list of
   * all namespaces.
   */
  get listings(): (string | null)[] {
    if (this.namespaces.length === 0) return [null];
    return [...new Set(this.namespaces)].sort((a, b) => (`${a}/` < `${b}/` ? -1 : 1));
  }

  /**
   * One page of a listing (see `listings`), paged as kubectl does: at most `limit` items, and the
   * continue token for the rest (null when none is left). A token older than the API server keeps
   * (a few minutes) is answered 410 Gone.
   */
  async listConnectionsPage(
    namespace: string | null,
    limit: number,
    continueToken?: string,
  ): Promise<XeroConnectionPage> {
    const list = await listXeroConnectionsPage(this.custom, namespace, continueToken, limit);
    // This API reads only the fields XeroConnectionResource declares.
    const items = list.items as XeroConnectionResource[];
    return { items, continue: list.metadata?.continue || null };
  }

  async getConnection(namespace: string, name: string): Promise<XeroConnectionResource | null> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        ...XC,
        namespace,
        name,
      })) as XeroConnectionResource;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}
