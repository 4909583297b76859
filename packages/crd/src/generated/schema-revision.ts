// GENERATED from deploy/helm/xero-access-operator/crds/xeroconnections.xeroaccess.dev.yaml by
// `npm run generate -w @xero-access/crd`. Do not edit: change the CRD and regenerate
// (a unit test fails while this file is stale).

/**
 * The XeroConnection CRD's schema revision this build was generated from: the reconciler refuses
 * to start when the installed CRD's `xeroaccess.dev/schema-revision` annotation is older.
 */
export const CRD_SCHEMA_REVISION = 2;

/** sha256 of the CRD's spec at that revision: generating after a change of spec bumps the revision. */
export const CRD_SPEC_SHA256 = 'ba587d3e2441a8c3f785dd573a55531ed062c62c5ab682d52b8655cb47c6f5b4';
