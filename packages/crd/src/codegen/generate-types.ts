import { compile, type JSONSchema } from 'json-schema-to-typescript';
import { format, resolveConfig } from 'prettier';
import { readCrdSchema } from './crd-source.js';
import { generatedTypesPath } from './paths.js';

const BANNER = `// GENERATED from deploy/helm/xero-access-operator/crds/xeroconnections.xeroaccess.dev.yaml by
// \`npm run generate -w @xero-access/crd\`. Do not edit: change the CRD and regenerate
// (a unit test fails while this file is stale).
import type { V1ObjectMeta } from '@kubernetes/client-node';`;

/** Type names for the nested object schemas, by JSON path inside openAPIV3Schema. */
const TITLES: Record<string, string> = {
  '': 'XeroConnection',
  'properties.spec': 'XeroConnectionSpec',
  'properties.spec.properties.credentialsSecretRef': 'CredentialsSecretRef',
  'properties.spec.properties.tokenSecretRef': 'TokenSecretRef',
  'properties.spec.properties.accessControl': 'AccessControl',
  'properties.spec.properties.accessControl.properties.roleMappings.items': 'RoleMapping',
  'properties.status': 'XeroConnectionStatus',
  'properties.status.properties.conditions.items': 'XeroConnectionCondition',
  'properties.status.properties.tenants.items': 'MonitoredTenant',
  'properties.status.properties.tenants.items.properties.syncFailure': 'TenantSyncFailure',
  'properties.status.properties.disconnectedTenants.items': 'DisconnectedTenant',
};

function titled(node: unknown, path: string): unknown {
  if (Array.isArray(node)) return node.map((n) => titled(n, path));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    // Kubernetes extensions mean nothing to the type generator.
    if (key.startsWith('x-kubernetes-')) continue;
    const childPath = path === '' ? key : `${path}.${key}`;
    out[key] = key === 'properties' ? titledProperties(value, childPath) : titled(value, childPath);
  }
  const title = TITLES[path];
  if (title) out.title = title;
  return out;
}

function titledProperties(props: unknown, path: string): unknown {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(props as Record<string, unknown>)) {
    out[name] = titled(schema, `${path}.${name}`);
  }
  return out;
}

/** The enum of `spec.accessControl.roleMappings[].xeroRoles`: the roles a Xero user can be given. */
export function xeroRoles(schema: Record<string, unknown>): string[] {
  let node: unknown = schema;
  const path = ['spec', 'accessControl', 'roleMappings', 'xeroRoles'];
  for (const name of path) {
    node = (node as { properties?: Record<string, unknown> } | undefined)?.properties?.[name];
    node = (node as { items?: unknown } | undefined)?.items ?? node;
  }
  const values = (node as { enum?: unknown } | undefined)?.enum;
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string'))
    throw new Error(`the CRD schema has no enum at ${path.join('.')}`);
  return values;
}

/** TypeScript declarations for XeroConnection, generated from the CRD's openAPIV3Schema. */
export async function generateTypes(schema?: Record<string, unknown>): Promise<string> {
  const crd = schema ?? (await readCrdSchema());
  const source = titled(crd, '') as Record<string, unknown>;
  const properties = source.properties as Record<string, unknown>;
  properties.metadata = { tsType: 'V1ObjectMeta' };
  const raw = await compile(source as JSONSchema, 'XeroConnection', {
    bannerComment: BANNER,
    additionalProperties: false,
    ignoreMinAndMaxItems: true,
    format: false,
  });
  const roles = `
/** The roles a Xero user can be given: the enum of spec.accessControl.roleMappings[].xeroRoles. */
export const XERO_ROLES = ${JSON.stringify(xeroRoles(crd))} as const;
export type XeroRole = (typeof XERO_ROLES)[number];
`;
  // Formatted with the repository's own Prettier config, so `prettier --check` agrees.
  const config = await resolveConfig(generatedTypesPath);
  return format(raw + roles, { ...config, parser: 'typescript' });
}
