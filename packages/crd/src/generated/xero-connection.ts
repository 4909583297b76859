// GENERATED from deploy/helm/xero-access-operator/crds/xeroconnections.xeroaccess.dev.yaml by
// `npm run generate -w @xero-access/crd`. Do not edit: change the CRD and regenerate
// (a unit test fails while this file is stale).
import type { V1ObjectMeta } from '@kubernetes/client-node';

/**
 * XeroConnection monitors who can get into one Xero organisation (or every organisation a grant can see): the operator keeps its OAuth tokens alive, snapshots its users on a schedule, evaluates the access checks and reports findings.
 */
export interface XeroConnection {
  /**
   * APIVersion defines the versioned schema of this representation of an object.
   */
  apiVersion?: string;
  /**
   * Kind is a string value representing the REST resource this object represents.
   */
  kind?: string;
  metadata?: V1ObjectMeta;
  spec: XeroConnectionSpec;
  status?: XeroConnectionStatus;
}
/**
 * The desired monitoring of a Xero organisation.
 */
export interface XeroConnectionSpec {
  /**
   * How the operator authenticates to Xero. AuthorizationCode (default): a person consents once, then the operator refreshes and rotates the refresh token kept in tokenSecretRef. ClientCredentials: a Xero custom connection bound to one organisation; no refresh token.
   */
  authFlow?: 'AuthorizationCode' | 'ClientCredentials';
  credentialsSecretRef: CredentialsSecretRef;
  tokenSecretRef?: TokenSecretRef;
  /**
   * Which connected organisation (Xero tenant ID, a UUID) to monitor. Without it, the tenant_id key of the token Secret picks it; without either, every tenant the grant can see (GET /connections) is monitored.
   */
  tenantId?: string;
  /**
   * OAuth scopes requested from Xero.
   *
   * @maxItems 32
   */
  scopes?: string[];
  /**
   * How often users are synced, as a duration such as 15m or 1h (minimum 1m, maximum 2562047h). An AuthorizationCode connection still syncs at least every 720h (30 days): its refresh token lapses after 60 days unused, and a sync renews it.
   */
  syncInterval?: string;
  /**
   * Whether Xero is a critical system for this company: critical systems must declare which organisation roles may hold access (accessControl.roleMappings).
   */
  criticalSystem?: boolean;
  accessControl?: AccessControl;
  /**
   * Stop syncing without deleting anything; tokens are still kept alive (the refresh token is renewed every 12 hours). If they cannot be, Ready is False with the reason (for example ReauthorizationRequired) instead of Suspended.
   */
  suspend?: boolean;
  /**
   * When the XeroConnection is deleted, also revoke the grant in Xero: DELETE /connections/{id} for each organisation the grant reaches then (GET /connections), narrowed to spec.tenantId or the token Secret's tenant_id when set. A connection another XeroConnection in any namespace monitors too (in its status.tenants) is kept, and the Event names it: at Xero, one person's consents to one app share their connections. If the operator may not list XeroConnections cluster-wide, nothing is revoked (Event RevokeRefused). Snapshots and findings are always kept as evidence.
   */
  revokeGrantOnDelete?: boolean;
}
/**
 * The Secret (in this namespace) holding the Xero app's client ID and client secret.
 */
export interface CredentialsSecretRef {
  /**
   * Name of the Secret.
   */
  name: string;
  /**
   * Key in the Secret whose value is the client ID.
   */
  clientIdKey?: string;
  /**
   * Key in the Secret whose value is the client secret.
   */
  clientSecretKey?: string;
}
/**
 * The Secret (in this namespace) the operator owns for the token set: refresh_token, access_token, id_token, expires_at; it writes every rotated set back and keeps the other keys. Pre-fill it with an existing token set (the Mage-style keys access_token, refresh_token, id_token, tenant_id) to bootstrap without a new consent. tenant_id, a Xero tenant ID (GUID), picks the one organisation to monitor when tenantId is unset; when both are set and differ, tenantId wins and a TenantIdMismatch Warning Event says so. A tenant_id that is not a GUID is refused (InvalidSpec). It must not be immutable: an immutable one is refused (InvalidSpec) before its refresh token is used, since the rotated set could not be written back.
 */
export interface TokenSecretRef {
  /**
   * Name of the Secret.
   */
  name: string;
}
/**
 * Who may hold access to this system.
 */
export interface AccessControl {
  /**
   * Which organisation roles (from the staff directory) may hold access, and with which Xero roles. Each orgRole appears once.
   *
   * @maxItems 256
   */
  roleMappings?: RoleMapping[];
}
export interface RoleMapping {
  /**
   * An organisation role from the staff directory, e.g. accountant.
   */
  orgRole: string;
  /**
   * Xero roles people with this orgRole may hold. Empty or absent means any role.
   *
   * @maxItems 8
   */
  xeroRoles?: (
    | 'READONLY'
    | 'INVOICEONLY'
    | 'STANDARD'
    | 'FINANCIALADVISER'
    | 'MANAGEDCLIENT'
    | 'CASHBOOKCLIENT'
  )[];
}
/**
 * What the operator observed and did.
 */
export interface XeroConnectionStatus {
  /**
   * The metadata.generation the status reflects.
   */
  observedGeneration?: number;
  /**
   * Ready, Authenticated, Synced and PoliciesEvaluated, each with a reason and message.
   */
  conditions?: XeroConnectionCondition[];
  /**
   * The monitored Xero organisations: every one the last sync selected from GET /connections, synced or not. Each organisation is fetched and recorded on its own, so one that fails (syncFailure) does not keep the others from their snapshots and findings.
   */
  tenants?: MonitoredTenant[];
  /**
   * Organisations this connection monitored before and no longer reaches (they left GET /connections of the grant, or spec.tenantId now names another one) that still have open findings. Those findings stay open as of the organisation's last snapshot, because nothing shows that the access was removed, and they are counted in findings and openFindings. Reconnect the organisation (authorize again) to monitor it, or accept the risk of each finding through the admin API.
   */
  disconnectedTenants?: DisconnectedTenant[];
  /**
   * When the last regular sync took its snapshots (one that reached only some organisations counts: see tenants[].syncFailure). Retries of the organisations that failed record their snapshots without moving it (the admin API's snapshots list shows every organisation's).
   */
  lastSyncTime?: string;
  /**
   * When the next sync is scheduled.
   */
  nextSyncTime?: string;
  /**
   * The value of the xeroaccess.dev/sync-requested-at annotation the last sync started with (empty when it had none), written with that sync's outcome, as Flux's status.lastHandledReconcileAt. Any other value of the annotation asks for a sync, whatever time it names (a replica or laptop whose clock is behind, a time without a zone): the next sync serves it, no sooner than REQUESTED_SYNC_GAP after the last one started.
   */
  lastHandledSyncRequest?: string;
  /**
   * Xero users (role not REMOVED) in the latest snapshot of each monitored organisation (its last one for an organisation that failed to sync).
   */
  userCount?: number;
  /**
   * Open findings across all checks.
   */
  openFindings?: number;
  /**
   * Open findings per check id.
   */
  findings?: {
    [k: string]: number;
  };
  /**
   * When the current access token expires.
   */
  accessTokenExpiresAt?: string;
  /**
   * When the refresh token was last rotated and written back.
   */
  refreshTokenRotatedAt?: string;
}
export interface XeroConnectionCondition {
  /**
   * Type of condition.
   */
  type: string;
  /**
   * Status of the condition.
   */
  status: 'True' | 'False' | 'Unknown';
  /**
   * The metadata.generation the condition was set from.
   */
  observedGeneration?: number;
  /**
   * When the status last changed.
   */
  lastTransitionTime: string;
  /**
   * A CamelCase reason from the troubleshooting map (apps/reconciler/README.md, "Troubleshooting"), e.g. ReauthorizationRequired.
   */
  reason: string;
  /**
   * What happened and what to do, for a person.
   */
  message: string;
}
export interface MonitoredTenant {
  /**
   * Xero tenant ID.
   */
  tenantId?: string;
  /**
   * Organisation name.
   */
  tenantName?: string;
  /**
   * Tenant type, e.g. ORGANISATION.
   */
  tenantType?: string;
  /**
   * The Xero connection ID (GET /connections id).
   */
  connectionId?: string;
  syncFailure?: TenantSyncFailure;
}
/**
 * Set while this organisation fails to sync (absent once it syncs again): the last attempt got no snapshot of it, so its findings stay as of its last snapshot, while the other organisations were recorded. The Synced condition is then False with reason PartiallySynced, naming it; the sync is retried with backoff (at a rate limit's retry time).
 */
export interface TenantSyncFailure {
  /**
   * A CamelCase reason from the troubleshooting map (apps/reconciler/README.md, "Troubleshooting"), e.g. InsufficientPermissions or RateLimited.
   */
  reason: string;
  /**
   * What happened at the last attempt and what to do, for a person.
   */
  message: string;
  /**
   * When the organisation started failing (the first of the syncs that failed for it in a row).
   */
  since: string;
}
export interface DisconnectedTenant {
  /**
   * Xero tenant ID.
   */
  tenantId?: string;
  /**
   * Organisation name in its last snapshot.
   */
  tenantName?: string;
  /**
   * When its last snapshot was taken.
   */
  lastSyncTime?: string;
  /**
   * Its open findings across all checks.
   */
  openFindings?: number;
}

/** The roles a Xero user can be given: the enum of spec.accessControl.roleMappings[].xeroRoles. */
export const XERO_ROLES = [
  'READONLY',
  'INVOICEONLY',
  'STANDARD',
  'FINANCIALADVISER',
  'MANAGEDCLIENT',
  'CASHBOOKCLIENT',
] as const;
export type XeroRole = (typeof XERO_ROLES)[number];
