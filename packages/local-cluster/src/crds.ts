import { readFileSync } from 'node:fs';
import {
  ApiextensionsV1Api,
  KubeConfig,
  loadAllYaml,
  Watch,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { waitFor } from './readiness.js';

/**
 * Creates (or replaces) each CRD and waits until the API server reports it Established.
 * loadAllYaml deserializes into the client's models (x-kubernetes-validations becomes
 * xKubernetesValidations); a plain YAML parse would have those fields silently dropped.
 */
export async function installCrds(kubeconfigPath: string, files: string[]): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const file of files) {
    const crds = (loadAllYaml(readFileSync(file, 'utf8')) as V1CustomResourceDefinition[]).filter(
      (doc) => doc?.kind === 'CustomResourceDefinition',
    );
    for (const crd of crds) {
      const name = crd.metadata!.name!;
      try {
        const existing = await api.readCustomResourceDefinition({ name });
        crd.metadata!.resourceVersion = existing.metadata!.resourceVersion;
        await api.replaceCustomResourceDefinition({ name, body: crd });
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
        await api.createCustomResourceDefinition({ body: crd });
      }
      await waitFor(
        `CRD ${name}`,
        async () => {
          const current = await api.readCustomResourceDefinition({ name });
          return (current.status?.conditions ?? []).some(
            (c) => c.type === 'Established' && c.status === 'True',
          );
        },
        30_000,
      );
      for (const version of crd.spec.versions.filter((v) => v.served)) {
        const path = `/apis/${crd.spec.group}/${version.name}/${crd.spec.names.plural}`;
        const attempt = { error: 'no attempt finished' };
        // 60 s: on a machine busy with other stacks the watch cache has taken over 30 s.
        await waitFor(
          `watch of ${path}`,
          () => watchable(kc, path, attempt),
          60_000,
          () => `last attempt: ${attempt.error}`,
        );
      }
    }
  }
}

/**
 * An Established CRD can still answer a watch with 429 while its watch cache initializes;
 * "ready" means a watch of it opens.
 */
function watchable(kc: KubeConfig, path: string, attempt: { error: string }): Promise<boolean> {
  const failed = (error: unknown) => {
    attempt.error = error instanceof Error ? error.message : String(error);
    return false;
  };
  return new Promise((resolve) => {
    new Watch(kc)
      .watch(
        path,
        { timeoutSeconds: 1 },
        () => {},
        (error) => resolve(error ? failed(error) : true),
      )
      .catch((error: unknown) => resolve(failed(error)));
  });
}
