import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  XERO_CONNECTION_GROUP,
  XERO_CONNECTION_KIND,
  XERO_CONNECTION_PLURAL,
  XERO_CONNECTION_SHORT_NAME,
  XERO_CONNECTION_VERSION,
  SPEC_DEFAULTS,
  TENANT_ID_PATTERN,
} from './constants.js';
import { crdFilePath } from './crd-file.js';

interface Crd {
  spec: {
    group: string;
    names: { kind: string; plural: string; shortNames: string[] };
    versions: {
      name: string;
      schema: {
        openAPIV3Schema: {
          properties: {
            spec: { properties: Record<string, { default?: unknown; pattern?: string }> };
          };
        };
      };
    }[];
  };
}

describe('constants', () => {
  it('agree with the CRD manifest', async () => {
    const crd = parse(await readFile(crdFilePath, 'utf8')) as Crd;
    expect(crd.spec.group).toBe(XERO_CONNECTION_GROUP);
    expect(crd.spec.names.kind).toBe(XERO_CONNECTION_KIND);
    expect(crd.spec.names.plural).toBe(XERO_CONNECTION_PLURAL);
    expect(crd.spec.names.shortNames).toContain(XERO_CONNECTION_SHORT_NAME);
    const version = crd.spec.versions.find((v) => v.name === XERO_CONNECTION_VERSION);
    expect(version).toBeDefined();
    const spec = version!.schema.openAPIV3Schema.properties.spec.properties;
    expect(spec.authFlow?.default).toBe(SPEC_DEFAULTS.authFlow);
    expect(spec.syncInterval?.default).toBe(SPEC_DEFAULTS.syncInterval);
    expect(spec.scopes?.default).toEqual(SPEC_DEFAULTS.scopes);
    expect(spec.criticalSystem?.default).toBe(SPEC_DEFAULTS.criticalSystem);
    expect(spec.tenantId?.pattern).toBe(TENANT_ID_PATTERN);
  });
});
