import { dirname } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { readClusterState } from '@xero-access/local-cluster';
import { inject } from 'vitest';
import { uniqueName } from './isolation.js';

/** The admin KubeConfig of the control plane the global setup provides. */
export function testKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

/** A namespace of its own for one test file (the control plane has no namespace controller, so it is left behind). */
export async function createTestNamespace(kc: KubeConfig, prefix = 'test'): Promise<string> {
  const name = uniqueName(prefix);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

/**
 * Compacts the etcd history of the control plane the global setup provides up to `revision`, as
 * the API server does every 5 minutes: a list continue token or watch from before it is answered
 * 410 Gone (unless the API server's watch cache still holds that revision). A revision already
 * compacted is no error.
 */
export async function compactTestEtcd(revision: number): Promise<void> {
  const state = readClusterState(dirname(inject('kubeconfig')));
  if (!state) throw new Error(`no local cluster state beside ${inject('kubeconfig')}`);
  const response = await fetch(`${state.etcdUrl}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: String(revision), physical: true }),
  });
  const body = await response.text();
  if (!response.ok && !body.includes('required revision has been compacted'))
    throw new Error(`etcd refused the compaction to ${revision}: ${response.status} ${body}`);
}
