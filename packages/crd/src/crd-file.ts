import { fileURLToPath } from 'node:url';

/** Absolute path of the CRD manifest (the one schema source, in the Helm chart). */
export const crdFilePath = fileURLToPath(
  new URL(
    '../../../deploy/helm/xero-access-operator/crds/xeroconnections.xeroaccess.dev.yaml',
    import.meta.url,
  ),
);
