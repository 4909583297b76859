import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { repoRoot } from '@xero-access/local-cluster';
import { applyObjects, type SandboxInfo } from '@xero-access/stack';

const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'accounting.settings.read'];

interface GeneratedSeed {
  tenants: { tenantId: string; name: string }[];
  apps: { name: string }[];
  grants: { app: string; tenants: string[]; scopes: string[]; refreshToken?: string }[];
}

/** What the seed holds besides the generator's own grant (which examples/ acme uses). */
export interface ManyTenantsSeed {
  file: string;
  tenantIds: string[];
  /** The organisation the hot connections all monitor (also the custom connection's). */
  hotTenantId: string;
  /** One grant (own refresh token) per extra connection: wide ones see every organisation. */
  wide: { name: string; refreshToken: string }[];
  hot: { name: string; refreshToken: string }[];
}

/**
 * A sandbox seed of `tenants` generated organisations (`xero-sandbox generate`: one app, one grant
 * connecting all of them, a custom connection to the first), plus a grant of its own for each
 * extra connection, so no two connections share a rotating refresh token.
 */
export function writeManyTenantsSeed(
  dir: string,
  options: { tenants: number; usersPerTenant: number; wide: number; hot: number },
): ManyTenantsSeed {
  const cli = join(repoRoot(), 'packages/xero-sandbox/dist/cli.js');
  const seed = JSON.parse(
    execFileSync(
      process.execPath,
      [
        cli,
        'generate',
        '--tenants',
        String(options.tenants),
        '--users',
        String(options.usersPerTenant),
      ],
      { encoding: 'utf8', timeout: 30_000 },
    ),
  ) as GeneratedSeed;
  const app = seed.grants[0]!.app;
  const tenantIds = seed.tenants.map((t) => t.tenantId);
  const hotTenantId = tenantIds[0]!;
  const grant = (name: string, tenants: string[]) => {
    const refreshToken = randomBytes(24).toString('hex');
    seed.grants.push({ app, tenants, scopes: SCOPES, refreshToken });
    return { name, refreshToken };
  };
  const wide = Array.from({ length: options.wide }, (_, i) => grant(`wide-${i + 1}`, tenantIds));
  const hot = Array.from({ length: options.hot }, (_, i) => grant(`hot-${i + 1}`, [hotTenantId]));
  const file = join(dir, 'many-tenants-seed.json');
  writeFileSync(file, JSON.stringify(seed));
  return { file, tenantIds, hotTenantId, wide, hot };
}

/**
 * The extra XeroConnections in namespace `namespace`: wide ones monitor every organisation of
 * their grant, hot ones one organisation (`spec.tenantId`), so its tenant limit binds.
 */
export async function applyLoadConnections(
  kc: KubeConfig,
  sandbox: SandboxInfo,
  seed: ManyTenantsSeed,
  namespace: string,
): Promise<string[]> {
  const app = sandbox.apps.find((a) => a.kind === 'standard');
  if (!app) throw new Error('the sandbox has no standard app');
  const objects: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    secret(namespace, 'load-xero-app', { clientId: app.clientId, clientSecret: app.clientSecret }),
  ];
  const connection = (name: string, refreshToken: string, tenantId?: string) => {
    objects.push(secret(namespace, `${name}-tokens`, { refresh_token: refreshToken }), {
      apiVersion: 'xeroaccess.dev/v1alpha1',
      kind: 'XeroConnection',
      metadata: { name, namespace },
      spec: {
        credentialsSecretRef: { name: 'load-xero-app' },
        tokenSecretRef: { name: `${name}-tokens` },
        ...(tenantId ? { tenantId } : {}),
        syncInterval: '1h',
        accessControl: { roleMappings: [{ orgRole: 'accountant', xeroRoles: ['STANDARD'] }] },
      },
    } as KubernetesObject);
  };
  for (const w of seed.wide) connection(w.name, w.refreshToken);
  for (const h of seed.hot) connection(h.name, h.refreshToken, seed.hotTenantId);
  await applyObjects(kc, objects);
  return [...seed.wide, ...seed.hot].map((c) => c.name);
}

const secret = (namespace: string, name: string, stringData: Record<string, string>) =>
  ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    stringData,
  }) as KubernetesObject;
