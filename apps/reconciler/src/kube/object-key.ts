import type { KubernetesObject } from '@kubernetes/client-node';

/** `namespace/name` (or `name` for cluster-scoped objects): the work-queue key, as in client-go. */
export function objectKey(object: KubernetesObject): string {
  const name = object.metadata?.name ?? '';
  const namespace = object.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: '', name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
