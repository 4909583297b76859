import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { condition, listXeroConnections, type XeroConnectionStatus } from '@xero-access/stack';

const target = { group: 'xeroaccess.dev', version: 'v1alpha1', plural: 'xeroconnections' };

export async function patchXeroConnection(
  kc: KubeConfig,
  namespace: string,
  name: string,
  body: object,
): Promise<void> {
  await kc
    .makeApiClient(CustomObjectsApi)
    .patchNamespacedCustomObject(
      { ...target, namespace, name, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
}

export async function requestSync(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await patchXeroConnection(kc, namespace, name, {
    metadata: { annotations: { 'xeroaccess.dev/sync-requested-at': new Date().toISOString() } },
  });
}

export async function getXeroConnection(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<XeroConnectionStatus> {
  const found = (await listXeroConnections(kc)).find(
    (xc) => xc.metadata.namespace === namespace && xc.metadata.name === name,
  );
  if (!found) throw new Error(`XeroConnection ${namespace}/${name} not found`);
  return found;
}

/** `status reason` of the Ready condition, e.g. `True Synced`, for polling. */
export async function readyOf(kc: KubeConfig, namespace: string, name: string): Promise<string> {
  const ready = condition(await getXeroConnection(kc, namespace, name), 'Ready');
  return `${ready?.status ?? 'none'} ${ready?.reason ?? 'none'}`;
}
