import {
  CoreV1Api,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1SecretList,
} from '@kubernetes/client-node';
import { PARTIAL_OBJECT_METADATA, PARTIAL_OBJECT_METADATA_LIST } from '../kube/accept-header.js';
import type { SecretVersion } from '../kube/recent-secret-writes.js';
import type { Logger } from '../logging/logger.js';
import { ResourceWatcher } from './resource-watcher.js';

export interface SecretWatcherOptions {
  kubeConfig: KubeConfig;
  /** Only this namespace; all namespaces when absent. */
  namespace?: string;
  /** A Secret was created or changed after the first list (which only fills the cache). */
  onChange(secret: SecretVersion): void;
  logger: Logger;
}

/**
 * Keeps name, namespace and resourceVersion only. Even metadata can hold a Secret's values (the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation of a Secret applied with kubectl):
 * none of it stays in the reconciler's memory.
 */
function identityOnly(secret: KubernetesObject): KubernetesObject {
  const { name, namespace, resourceVersion } = secret.metadata ?? {};
  return { metadata: { name, namespace, resourceVersion } };
}

export function secretsPath(namespace?: string): string {
  return namespace ? `/api/v1/namespaces/${namespace}/secrets` : '/api/v1/secrets';
}

/**
 * Watches Secrets as metadata only (name and resourceVersion are all a change needs; no Secret
 * data is held in memory), with the XeroConnection watch's machinery: paged list, resume,
 * relist on 410 Gone, backoff. Deletions are not reported: a missing Secret fixes nothing.
 */
export function createSecretWatcher(
  options: SecretWatcherOptions,
): ResourceWatcher<KubernetesObject> {
  const api = options.kubeConfig.makeApiClient(CoreV1Api);
  const metadataOnly = setHeaderOptions('Accept', PARTIAL_OBJECT_METADATA_LIST);
  const watcher: ResourceWatcher<KubernetesObject> = new ResourceWatcher({
    kubeConfig: options.kubeConfig,
    path: secretsPath(options.namespace),
    watchAccept: PARTIAL_OBJECT_METADATA,
    transform: identityOnly,
    logger: options.logger,
    onEvent(type, secret) {
      if (type === 'DELETED' || !watcher.hasSynced) return;
      const { namespace, name, resourceVersion } = secret.metadata ?? {};
      if (namespace && name && resourceVersion)
        options.onChange({ namespace, name, resourceVersion });
    },
    async list(continueToken, limit) {
      const page: V1SecretList = options.namespace
        ? await api.listNamespacedSecret(
            { namespace: options.namespace, limit, _continue: continueToken },
            metadataOnly,
          )
        : await api.listSecretForAllNamespaces({ limit, _continue: continueToken }, metadataOnly);
      return {
        // Metadata only: the items are PartialObjectMetadata, whatever the generated type says,
        // and an empty PartialObjectMetadataList has `items: null`.
        items: (page.items ?? []) as KubernetesObject[],
        resourceVersion: page.metadata?.resourceVersion ?? '',
        continueToken: page.metadata?._continue,
      };
    },
  });
  return watcher;
}
