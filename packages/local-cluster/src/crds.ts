import { readFileSync } from 'node:fs';
import { ApiextensionsV1Api, KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { waitFor } from './readiness.js';

/** Creates (or replaces) each CRD and waits until the API server reports it Established. */
export async function installCrds(kubeconfigPath: string, files: string[]): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as V1CustomResourceDefinition | null;
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      const name = crd.metadata!.name!;
      try {
        const existing = await api.readCustomResourceDefinition({ name });
        crd.metadata!.resourceVersion = existing.metadata!.resourceVersion;
        await api.replaceCustomResourceDefinition({ name, body: crd });
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
        await api.createCustomResourceDefinition({ body: crd });
      }
      await waitFor(`CRD ${name}`, async () => {
        const current = await api.readCustomResourceDefinition({ name });
        return (current.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
      }, 30_000);
    }
  }
}
