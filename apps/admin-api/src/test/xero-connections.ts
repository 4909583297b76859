import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { XC, type XeroConnectionResource } from '../kube/kube.js';

/** Applies a XeroConnection to the test control plane. */
export async function createXeroConnection(
  kc: KubeConfig,
  namespace: string,
  name: string,
  spec: XeroConnectionResource['spec'],
): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    ...XC,
    namespace,
    body: {
      apiVersion: `${XC.group}/${XC.version}`,
      kind: 'XeroConnection',
      metadata: { name },
      spec,
    },
  });
}
