/** The XeroConnection API coordinates (contract in design.md). */
export const XERO_CONNECTION_GROUP = 'xeroaccess.dev';
export const XERO_CONNECTION_VERSION = 'v1alpha1';
export const XERO_CONNECTION_API_VERSION = `${XERO_CONNECTION_GROUP}/${XERO_CONNECTION_VERSION}`;
export const XERO_CONNECTION_KIND = 'XeroConnection';
export const XERO_CONNECTION_LIST_KIND = 'XeroConnectionList';
export const XERO_CONNECTION_PLURAL = 'xeroconnections';
export const XERO_CONNECTION_SINGULAR = 'xeroconnection';
export const XERO_CONNECTION_SHORT_NAME = 'xc';
/** The CustomResourceDefinition's name. */
export const XERO_CONNECTION_CRD_NAME = `${XERO_CONNECTION_PLURAL}.${XERO_CONNECTION_GROUP}`;

/**
 * The CRD annotation holding its schema revision (a whole number, one more after each change of
 * the CRD's spec): the reconciler compares it with CRD_SCHEMA_REVISION, the one it was built with.
 */
export const SCHEMA_REVISION_ANNOTATION = 'xeroaccess.dev/schema-revision';

/** The condition types the operator reports in status.conditions. */
export const CONDITION_TYPES = ['Ready', 'Authenticated', 'Synced', 'PoliciesEvaluated'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** Defaults the API server applies (mirrored here for objects read before defaulting, e.g. in tests). */
export const SPEC_DEFAULTS = {
  authFlow: 'AuthorizationCode',
  scopes: ['openid', 'profile', 'email', 'offline_access', 'accounting.settings.read'],
  syncInterval: '1h',
  criticalSystem: true,
  suspend: false,
  revokeGrantOnDelete: false,
  clientIdKey: 'clientId',
  clientSecretKey: 'clientSecret',
} as const;

/**
 * A Xero tenant ID (a GUID): the pattern of spec.tenantId, which the `tenant_id` key of the token
 * Secret must match too.
 */
export const TENANT_ID_PATTERN =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** The finalizer the operator puts on every XeroConnection. */
export const XERO_CONNECTION_FINALIZER = 'xeroaccess.dev/finalizer';
