export * from './constants.js';
export type {
  XeroConnection,
  XeroConnectionSpec,
  XeroConnectionStatus,
  XeroConnectionCondition,
  CredentialsSecretRef,
  TokenSecretRef,
  AccessControl,
  RoleMapping,
  MonitoredTenant,
  DisconnectedTenant,
} from './generated/xero-connection.js';
export { crdFilePath } from './crd-file.js';

/** A XeroConnection list as the API server returns it. */
export interface XeroConnectionList {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items: import('./generated/xero-connection.js').XeroConnection[];
}
