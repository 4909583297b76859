import type { ConfigurationOptions, CustomObjectsApi } from '@kubernetes/client-node';
import {
  XERO_CONNECTION_GROUP,
  XERO_CONNECTION_PLURAL,
  XERO_CONNECTION_VERSION,
} from './constants.js';
import type { XeroConnection } from './generated/xero-connection.js';

/** A XeroConnection list as the API server returns it. */
export interface XeroConnectionList {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items: XeroConnection[];
}

/**
 * One page of XeroConnections in `namespace`, or in all namespaces when it is absent (null or
 * undefined), paged as kubectl does: at most `limit` items, and `metadata.continue` for the rest
 * (empty or absent when none is left). A continue token older than the API server keeps (a few
 * minutes) is answered 410 Gone. `options` are the call's (e.g. `abortOptions`).
 */
export async function listXeroConnectionsPage(
  api: CustomObjectsApi,
  namespace: string | null | undefined,
  continueToken: string | undefined,
  limit: number,
  options?: ConfigurationOptions,
): Promise<XeroConnectionList> {
  const page = {
    group: XERO_CONNECTION_GROUP,
    version: XERO_CONNECTION_VERSION,
    plural: XERO_CONNECTION_PLURAL,
    limit,
    _continue: continueToken,
  };
  const list = (
    namespace
      ? await api.listNamespacedCustomObject({ ...page, namespace }, options)
      : await api.listClusterCustomObject(page, options)
  ) as XeroConnectionList;
  return { ...list, items: list.items ?? [] };
}
