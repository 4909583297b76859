import type { KubeConfig } from '@kubernetes/client-node';

/** Ask the API server for metadata only (as client-go's metadata informers do): no Secret data. */
export const PARTIAL_OBJECT_METADATA =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';
export const PARTIAL_OBJECT_METADATA_LIST =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

/**
 * The same cluster and credentials, with an Accept header on every request made through
 * `applyToFetchOptions` (what client-node's Watch uses; it has no header option of its own).
 */
export function withAcceptHeader(kubeConfig: KubeConfig, accept: string): KubeConfig {
  return new Proxy(kubeConfig, {
    get(target, property) {
      if (property === 'applyToFetchOptions') {
        return (options: Parameters<KubeConfig['applyToFetchOptions']>[0]) =>
          target.applyToFetchOptions({
            ...options,
            headers: { ...options.headers, Accept: accept },
          });
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
