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
  TenantSyncFailure,
  DisconnectedTenant,
  XeroRole,
} from './generated/xero-connection.js';
export { XERO_ROLES } from './generated/xero-connection.js';
export { crdFilePath } from './crd-file.js';
export { CRD_SCHEMA_REVISION } from './generated/schema-revision.js';
export { listXeroConnectionsPage, type XeroConnectionList } from './list-xero-connections.js';
export { abortOptions, makeApiClientWithTimeout } from './abort-options.js';
export { UserAgentKubeConfig } from './user-agent.js';
