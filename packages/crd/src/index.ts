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
  XeroRole,
} from './generated/xero-connection.js';
export { XERO_ROLES } from './generated/xero-connection.js';
export { crdFilePath } from './crd-file.js';
export { CRD_SCHEMA_REVISION } from './generated/schema-revision.js';

/** A XeroConnection list as the API server returns it. */
export interface XeroConnectionList {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items: import('./generated/xero-connection.js').XeroConnection[];
}
