import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '@xero-access/local-cluster';

export interface XeroConnectionStatus {
  metadata: { namespace: string; name: string };
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string }[];
    userCount?: number;
    openFindings?: number;
    findings?: Record<string, number>;
  };
}

export async function listXeroConnections(kc: KubeConfig): Promise<XeroConnectionStatus[]> {
  const list = (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({
    group: 'xeroaccess.dev',
    version: 'v1alpha1',
    plural: 'xeroconnections',
  })) as {
    items: XeroConnectionStatus[];
  };
  return list.items;
}

export const condition = (xc: XeroConnectionStatus, type: string) =>
  xc.status?.conditions?.find((c) => c.type === type);

/** Waits until every XeroConnection reports Ready=True, saying which are not when it gives up. */
export async function waitAllReady(
  kc: KubeConfig,
  timeoutMs: number,
  onProgress?: (ready: number, total: number) => void,
): Promise<XeroConnectionStatus[]> {
  let last: XeroConnectionStatus[] = [];
  await waitFor(
    'every XeroConnection Ready',
    async () => {
      last = await listXeroConnections(kc);
      const ready = last.filter((xc) => condition(xc, 'Ready')?.status === 'True').length;
      onProgress?.(ready, last.length);
      return last.length > 0 && ready === last.length;
    },
    timeoutMs,
    () =>
      last
        .filter((xc) => condition(xc, 'Ready')?.status !== 'True')
        .map(
          (xc) =>
            `${xc.metadata.namespace}/${xc.metadata.name}: ${condition(xc, 'Ready')?.reason ?? 'no status'} ${condition(xc, 'Ready')?.message ?? ''}`,
        )
        .join('; '),
  );
  return last;
}
