// GENERATED from deploy/helm/xero-access-operator/crds/xeroconnections.xeroaccess.dev.yaml by
// `npm run generate -w @xero-access/crd`. Do not edit: change the CRD and regenerate
// (a unit test fails while this file is stale).

/**
 * The XeroConnection CRD's schema revision this build was generated from: the reconciler refuses
 * to start when the installed CRD's `xeroaccess.dev/schema-revision` annotation is older.
 */
export const CRD_SCHEMA_REVISION = 3;

/** sha256 of the CRD's spec at that revision: generating after a change of spec bumps the revision. */
export const CRD_SPEC_SHA256 = 'bd5b238ff9c69c60e57d14f67b96a39627363a37fd94d4e66d2ae28113494eaf';
