import type { ReconcilerConfig } from './config.js';

/** Whether the operator watches `namespace`: every one when WATCH_NAMESPACES is empty. */
export function watchesNamespace(
  config: Pick<ReconcilerConfig, 'watchNamespaces'>,
): (namespace: string) => boolean {
  return (namespace) =>
    config.watchNamespaces.length === 0 || config.watchNamespaces.includes(namespace);
}
