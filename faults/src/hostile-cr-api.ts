import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '@xero-access/local-cluster';
import { condition, listXeroConnections } from '@xero-access/stack';

const target = { group: 'xeroaccess.dev', version: 'v1alpha1', plural: 'xeroconnections' };

export type CreateOutcome = { created: true } | { created: false; status: number; message: string };

/** Creates a XeroConnection; a refusal is an outcome (status and the API server's message), not an error. */
export async function createConnection(
  kc: KubeConfig,
  namespace: string,
  body: object,
): Promise<CreateOutcome> {
  try {
    await kc
      .makeApiClient(CustomObjectsApi)
      .createNamespacedCustomObject({ ...target, namespace, body });
    return { created: true };
  } catch (error) {
    const e = error as { code?: number; body?: unknown };
    if (typeof e.code !== 'number' || e.code >= 500) throw error;
    const text = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '');
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      /* not JSON: keep the text */
    }
    return { created: false, status: e.code, message };
  }
}

/** Deletes the connections (the finalizer runs) and waits until they are gone. */
export async function deleteConnections(
  kc: KubeConfig,
  namespace: string,
  names: string[],
): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  for (const name of names)
    await api.deleteNamespacedCustomObject({ ...target, namespace, name }).catch(() => {});
  await waitFor(
    'hostile XeroConnections deleted',
    async () => {
      const left = (await listXeroConnections(kc)).filter(
        (xc) => xc.metadata.namespace === namespace && names.includes(xc.metadata.name),
      );
      return left.length === 0;
    },
    60_000,
  );
}

export interface ReadyCondition {
  status: string;
  reason: string;
  message: string;
}

/** Waits until the connection's Ready condition is True or False (not Unknown or absent). */
export async function readyOrFailure(
  kc: KubeConfig,
  namespace: string,
  name: string,
  timeoutMs = 60_000,
): Promise<ReadyCondition> {
  let ready: ReadyCondition | undefined;
  await waitFor(
    `Ready of ${namespace}/${name.slice(0, 40)}…`,
    async () => {
      const xc = (await listXeroConnections(kc)).find(
        (x) => x.metadata.namespace === namespace && x.metadata.name === name,
      );
      ready = xc ? condition(xc, 'Ready') : undefined;
      return ready?.status === 'True' || ready?.status === 'False';
    },
    timeoutMs,
  );
  return ready!;
}

/** Reconciles the reconciler has run so far (its reconcile-duration histogram's counts). */
export async function reconcileCount(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('xao_reconcile_duration_seconds_count'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}
