import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The one schema source: the CRD shipped in the Helm chart. */
export const crdSourcePath = fileURLToPath(
  new URL(
    '../../../../deploy/helm/xero-access-operator/crds/xeroconnections.xeroaccess.dev.yaml',
    import.meta.url,
  ),
);

export interface CrdVersion {
  name: string;
  schema: { openAPIV3Schema: Record<string, unknown> };
}

export async function readCrdSchema(path = crdSourcePath): Promise<Record<string, unknown>> {
  const crd = parse(await readFile(path, 'utf8')) as { spec: { versions: CrdVersion[] } };
  const version = crd.spec.versions.find((v) => v.name === 'v1alpha1');
  if (!version) throw new Error(`${path}: spec.versions has no v1alpha1 entry`);
  return version.schema.openAPIV3Schema;
}
