/**
 * XeroConnections at the limits of the CRD schema
 * (deploy/helm/xero-access-operator/crds/xeroconnections.xeroaccess.dev.yaml), and one just over
 * each limit. Names and keys are built to the exact maximum the schema allows.
 */
import { XERO_ROLES } from '@xero-access/crd';

/**
 * A DNS subdomain (what metadata.name and Secret names must be) of exactly `length` characters:
 * labels of 63 (the most a label may have) joined by dots, each starting with `seed`.
 */
export function dnsSubdomain(length: number, seed: string): string {
  let name = '';
  for (let i = 0; i < length; i++) {
    const inLabel = i % 64;
    name += inLabel === 63 ? '.' : (seed[inLabel] ?? 'a');
  }
  return name;
}

/** A Secret key (`[-._a-zA-Z0-9]+`) of exactly `length` characters. */
export const secretKey = (length: number, seed: string) => seed.padEnd(length, '_');

/** A scope-shaped string (`^[a-z_.]+$`) of exactly `length` characters, unique per `n`. */
const scopeLike = (length: number, n: number) =>
  `filler.${'abcdefghijklmnopqrstuvwxyz'[n % 26]}${'abcdefghijklmnopqrstuvwxyz'[Math.floor(n / 26) % 26]}`.padEnd(
    length,
    '_',
  );

export const DEFAULT_SCOPES = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'accounting.settings.read',
];

/** 32 unique scopes of 128 characters each, the required ones included (maxItems 32, maxLength 128). */
export function maxScopes(count = 32, itemLength = 128): string[] {
  return [
    ...DEFAULT_SCOPES,
    ...Array.from({ length: count - DEFAULT_SCOPES.length }, (_, n) => scopeLike(itemLength, n)),
  ];
}

/** 256 role mappings (maxItems), each orgRole 128 characters (maxLength), every Xero role. */
export function maxRoleMappings(
  count = 256,
  orgRoleLength = 128,
  xeroRoles: readonly string[] = XERO_ROLES,
) {
  return Array.from({ length: count }, (_, n) => ({
    orgRole: `role-${n}-`.padEnd(orgRoleLength, 'r'),
    xeroRoles,
  }));
}

export interface SecretNames {
  credentials: string;
  tokens: string;
  clientIdKey?: string;
  clientSecretKey?: string;
}

export function xeroConnection(name: string, secrets: SecretNames, spec: object = {}) {
  return {
    apiVersion: 'xeroaccess.dev/v1alpha1',
    kind: 'XeroConnection',
    metadata: { name },
    spec: {
      credentialsSecretRef: {
        name: secrets.credentials,
        ...(secrets.clientIdKey ? { clientIdKey: secrets.clientIdKey } : {}),
        ...(secrets.clientSecretKey ? { clientSecretKey: secrets.clientSecretKey } : {}),
      },
      tokenSecretRef: { name: secrets.tokens },
      syncInterval: '1h',
      accessControl: { roleMappings: [{ orgRole: 'accountant', xeroRoles: ['STANDARD'] }] },
      ...spec,
    },
  };
}

/**
 * One field over its limit; `field` is what the API server's refusal must contain: the field, and
 * where a CEL rule of ours refuses it, the rule's message too.
 */
export interface OverLimitCase {
  what: string;
  field: string;
  body: ReturnType<typeof xeroConnection>;
}

export function overLimitCases(secrets: SecretNames): OverLimitCase[] {
  const base = (spec: object, name = 'over-limit') => xeroConnection(name, secrets, spec);
  const withRef = (ref: object) => ({
    credentialsSecretRef: { name: secrets.credentials, ...ref },
  });
  return [
    {
      what: 'metadata.name of 254',
      field: 'metadata.name',
      body: base({}, dnsSubdomain(254, 'n')),
    },
    {
      what: 'credentialsSecretRef.name of 254',
      field: 'spec.credentialsSecretRef.name',
      body: base(withRef({ name: dnsSubdomain(254, 'c') })),
    },
    {
      what: 'credentialsSecretRef.clientIdKey of 254',
      field: 'spec.credentialsSecretRef.clientIdKey',
      body: base(withRef({ clientIdKey: secretKey(254, 'id') })),
    },
    {
      what: 'credentialsSecretRef.clientSecretKey of 254',
      field: 'spec.credentialsSecretRef.clientSecretKey',
      body: base(withRef({ clientSecretKey: secretKey(254, 'secret') })),
    },
    {
      what: 'tokenSecretRef.name of 254',
      field: 'spec.tokenSecretRef.name',
      body: base({ tokenSecretRef: { name: dnsSubdomain(254, 't') } }),
    },
    {
      what: 'tenantId of 65 characters',
      field: 'spec.tenantId',
      body: base({ tenantId: `${'7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01'}`.padEnd(65, '0') }),
    },
    { what: '33 scopes', field: 'spec.scopes', body: base({ scopes: maxScopes(33) }) },
    {
      what: 'a scope of 129 characters',
      field: 'spec.scopes[',
      body: base({ scopes: maxScopes(32, 129) }),
    },
    {
      what: 'syncInterval of 33 characters',
      field: 'spec.syncInterval',
      body: base({ syncInterval: `${'0'.repeat(31)}1h` }),
    },
    {
      what: 'syncInterval 59s',
      field: 'spec.syncInterval: Invalid value: "59s": syncInterval must be at least 1m',
      body: base({ syncInterval: '59s' }),
    },
    {
      what: 'syncInterval 2562048h (past the largest duration)',
      // Was "type conversion error from 'string' to 'google.protobuf.Duration'".
      field: 'spec.syncInterval: Invalid value: "2562048h": syncInterval must be at most 2562047h',
      body: base({ syncInterval: '2562048h' }),
    },
    {
      what: '257 role mappings',
      field: 'spec.accessControl.roleMappings',
      body: base({ accessControl: { roleMappings: maxRoleMappings(257, 16) } }),
    },
    {
      what: 'an orgRole of 129 characters',
      field: 'spec.accessControl.roleMappings[0].orgRole',
      body: base({ accessControl: { roleMappings: maxRoleMappings(1, 129) } }),
    },
    {
      what: '9 xeroRoles',
      field: 'spec.accessControl.roleMappings[0].xeroRoles',
      body: base({
        accessControl: {
          roleMappings: maxRoleMappings(1, 16, [...XERO_ROLES, 'READONLY', 'STANDARD', 'STANDARD']),
        },
      }),
    },
  ];
}
