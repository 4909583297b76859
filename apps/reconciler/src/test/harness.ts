import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  V1MicroTime,
  type KubeConfig,
} from '@kubernetes/client-node';
import {
  XERO_CONNECTION_API_VERSION,
  XERO_CONNECTION_GROUP,
  XERO_CONNECTION_KIND,
  XERO_CONNECTION_PLURAL,
  XERO_CONNECTION_VERSION,
  type XeroConnection,
  type XeroConnectionSpec,
} from '@xero-access/crd';
import type { Sandbox } from '@xero-access/xero-sandbox';
import { inject } from 'vitest';

export const coordinates = {
  group: XERO_CONNECTION_GROUP,
  version: XERO_CONNECTION_VERSION,
  plural: XERO_CONNECTION_PLURAL,
};

export interface Apis {
  core: CoreV1Api;
  custom: CustomObjectsApi;
}

export function apis(kc: KubeConfig): Apis {
  return { core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
}

/** The reconciler environment for a test: its own namespace, Lease, Redis prefix and database. */
export function testEnv(options: {
  sandbox: Sandbox;
  namespace: string;
  databaseUrl: string;
  redisPrefix: string;
  identity?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    KUBECONFIG: inject('kubeconfig'),
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: options.redisPrefix,
    XERO_IDENTITY_URL: options.sandbox.identityUrl,
    XERO_LOGIN_URL: options.sandbox.loginUrl,
    XERO_API_URL: options.sandbox.apiUrl,
    WATCH_NAMESPACES: options.namespace,
    LEADER_ELECTION_NAMESPACE: options.namespace,
    // One release per test bed: replicas a test gives Leases of their own still share its claims.
    CLAIM_IDENTITY: `${options.namespace}/test-release`,
    POD_NAME: options.identity ?? 'reconciler-test',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LEASE_DURATION: '4s',
    LEASE_RENEW_DEADLINE: '3s',
    LEASE_RETRY_PERIOD: '500ms',
    SHUTDOWN_DRAIN: '5s',
    // Tests ask for syncs back to back; requested-sync.int.test.ts sets the gap.
    REQUESTED_SYNC_GAP: '0s',
    ...options.extra,
  };
}

export async function createSecret(
  core: CoreV1Api,
  namespace: string,
  name: string,
  stringData: Record<string, string>,
): Promise<void> {
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name, namespace }, type: 'Opaque', stringData },
  });
}

export async function createConnection(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
  spec: XeroConnectionSpec,
): Promise<XeroConnection> {
  return (await custom.createNamespacedCustomObject({
    ...coordinates,
    namespace,
    body: {
      apiVersion: XERO_CONNECTION_API_VERSION,
      kind: XERO_CONNECTION_KIND,
      metadata: { name, namespace },
      spec,
    },
  })) as XeroConnection;
}

export async function getConnection(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
): Promise<XeroConnection> {
  return (await custom.getNamespacedCustomObject({
    ...coordinates,
    namespace,
    name,
  })) as XeroConnection;
}

export function condition(connection: XeroConnection, type: string) {
  return connection.status?.conditions?.find((c) => c.type === type);
}

/** Polls until `check` returns a value (not undefined/false) or the timeout passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Polls a synchronous `condition` until it holds; returns how long that took in ms. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return Date.now() - started;
}

/** Waits until the connection's Ready condition has this status (and reason, if given). */
export function waitForReady(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
  status: 'True' | 'False',
  reason?: string,
  timeoutMs = 30_000,
): Promise<XeroConnection> {
  let seen = 'nothing';
  return eventually(
    async () => {
      const c = await getConnection(custom, namespace, name);
      const ready = condition(c, 'Ready');
      seen = ready ? `${ready.status} ${ready.reason}: ${ready.message}` : 'no Ready condition';
      return ready?.status === status && (reason === undefined || ready.reason === reason)
        ? c
        : undefined;
    },
    timeoutMs,
    `${namespace}/${name} Ready=${status}${reason ? ` (${reason})` : ''}`,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last seen Ready=${seen}`);
  });
}

/** Secrets and a XeroConnection for the sandbox's authorization-code grant (Acme Finance). */
export async function applyAuthorizationCodeConnection(
  kube: Apis,
  sandbox: Sandbox,
  namespace: string,
  name: string,
  spec: Partial<XeroConnectionSpec> = {},
): Promise<void> {
  const app = sandbox.apps.find((a) => a.kind === 'standard')!;
  const grant = sandbox.grants.find((g) => g.clientId === app.clientId)!;
  await createSecret(kube.core, namespace, `${name}-app`, {
    clientId: app.clientId,
    clientSecret: app.clientSecret,
  });
  await createSecret(kube.core, namespace, `${name}-tokens`, {
    refresh_token: grant.refreshToken!,
  });
  await createConnection(kube.custom, namespace, name, {
    credentialsSecretRef: { name: `${name}-app` },
    tokenSecretRef: { name: `${name}-tokens` },
    ...spec,
  });
}

/** Takes the Lease for `holder` and keeps renewing it until the returned function is called. */
export function holdLease(kc: KubeConfig, namespace: string, name: string, holder: string) {
  const api = kc.makeApiClient(CoordinationV1Api);
  let holding = true;
  const loop = (async () => {
    while (holding) {
      try {
        const lease = await api.readNamespacedLease({ namespace, name });
        const spec = { ...lease.spec, holderIdentity: holder, renewTime: new V1MicroTime() };
        await api.replaceNamespacedLease({ namespace, name, body: { ...lease, spec } });
      } catch (error) {
        // The replica renewed in between: read again.
        if ((error as { code?: number }).code !== 409) throw error;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return async () => {
    holding = false;
    await loop;
  };
}
