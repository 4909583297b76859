import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  XERO_CONNECTION_GROUP,
  XERO_CONNECTION_PLURAL,
  XERO_CONNECTION_VERSION,
  listXeroConnectionsPage,
  type XeroConnection,
} from '@xero-access/crd';
import type { Logger } from '../logging/logger.js';
import { ResourceWatcher, type WatchEventType } from './resource-watcher.js';

export interface XeroConnectionWatcherOptions {
  kubeConfig: KubeConfig;
  /** Only this namespace; all namespaces when absent. */
  namespace?: string;
  resyncMs: number;
  onEvent(type: WatchEventType, object: XeroConnection, previous?: XeroConnection): void;
  onResync(objects: XeroConnection[]): void;
  logger: Logger;
}

export function xeroConnectionsPath(namespace?: string): string {
  const base = `/apis/${XERO_CONNECTION_GROUP}/${XERO_CONNECTION_VERSION}`;
  return namespace
    ? `${base}/namespaces/${namespace}/${XERO_CONNECTION_PLURAL}`
    : `${base}/${XERO_CONNECTION_PLURAL}`;
}

export function createXeroConnectionWatcher(
  options: XeroConnectionWatcherOptions,
): ResourceWatcher<XeroConnection> {
  const api = options.kubeConfig.makeApiClient(CustomObjectsApi);
  return new ResourceWatcher<XeroConnection>({
    kubeConfig: options.kubeConfig,
    path: xeroConnectionsPath(options.namespace),
    resyncMs: options.resyncMs,
    logger: options.logger,
    onEvent: options.onEvent,
    onResync: options.onResync,
    async list(continueToken, limit) {
      const page = await listXeroConnectionsPage(api, options.namespace, continueToken, limit);
      return {
        items: page.items,
        resourceVersion: page.metadata?.resourceVersion ?? '',
        continueToken: page.metadata?.continue,
      };
    },
  });
}
