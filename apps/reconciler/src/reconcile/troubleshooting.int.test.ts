import { DEFAULT_SCOPES } from '@xero-access/xero-client';
import { startSandbox, type Sandbox, type Seed } from '@xero-access/xero-sandbox';
import {
  createTestDatabase,
  createTestNamespace,
  redisTestPrefix,
  testKubeConfig,
  type TestDatabase,
} from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReconciler, type RunningReconciler } from '../app/bootstrap.js';
import {
  apis,
  condition,
  createConnection,
  createSecret,
  testConfig,
  waitForReady,
  type Apis,
} from '../test/harness.js';

const SCENARIOS = [
  'rate-limited',
  'invalid-credentials',
  'reauthorization',
  'unauthorized',
  'insufficient',
  'disconnected',
] as const;
type Scenario = (typeof SCENARIOS)[number];

/** One organisation and one grant per scenario, so a fault for one leaves the others alone. */
function seed(): Seed {
  return {
    tenants: SCENARIOS.map((s) => ({
      name: `Org ${s}`,
      users: [
        { email: `a@${s}.example`, firstName: 'A', lastName: s, organisationRole: 'STANDARD' },
        { email: `b@${s}.example`, firstName: 'B', lastName: s, organisationRole: 'READONLY' },
      ],
    })),
    apps: [{ name: 'Operator' }],
    grants: SCENARIOS.map((s) => ({
      app: 'Operator',
      tenants: [`Org ${s}`],
      scopes: [...DEFAULT_SCOPES],
    })),
  } as Seed;
}

describe('each troubleshooting reason, reached from its sandbox fault', () => {
  let sandbox: Sandbox;
  let database: TestDatabase;
  let reconciler: RunningReconciler;
  let kube: Apis;
  let namespace: string;

  beforeAll(async () => {
    const kc = testKubeConfig();
    kube = apis(kc);
    namespace = await createTestNamespace(kc, 'trouble');
    sandbox = await startSandbox({ seed: seed() });
    database = await createTestDatabase('trouble');
    reconciler = await startReconciler(
      testConfig({
        sandbox,
        namespace,
        databaseUrl: database.url,
        redisPrefix: redisTestPrefix('trouble'),
      }),
    );
  });

  afterAll(async () => {
    await reconciler?.close();
    await sandbox?.close();
    await database?.drop();
  });

  function grantFor(s: Scenario) {
    const tenant = sandbox.tenants.find((t) => t.name === `Org ${s}`)!;
    const grant = sandbox.grants.find((g) => g.tenantIds.includes(tenant.tenantId))!;
    return { tenant, grant };
  }

  async function apply(
    s: Scenario,
    options: { clientSecret?: string; tenantId?: string } = {},
  ): Promise<void> {
    const app = sandbox.apps[0]!;
    const { grant } = grantFor(s);
    await createSecret(kube.core, namespace, `${s}-app`, {
      clientId: app.clientId,
      clientSecret: options.clientSecret ?? app.clientSecret,
    });
    await createSecret(kube.core, namespace, `${s}-tokens`, { refresh_token: grant.refreshToken! });
    await createConnection(kube.custom, namespace, s, {
      credentialsSecretRef: { name: `${s}-app` },
      tokenSecretRef: { name: `${s}-tokens` },
      ...(options.tenantId ? { tenantId: options.tenantId } : {}),
    });
  }

  it('RateLimited: says when it retries, and schedules the retry then', async () => {
    sandbox.forceRateLimit('day', 3_600, 3);
    await apply('rate-limited');
    const c = await waitForReady(kube.custom, namespace, 'rate-limited', 'False', 'RateLimited');
    const synced = condition(c, 'Synced')!;
    expect(synced).toMatchObject({ status: 'False', reason: 'RateLimited' });
    expect(synced.message).toMatch(/retrying automatically at \d{4}-\d\d-\d\dT/);
    const retryAt = Date.parse(/at (\S+?)\.?$/.exec(synced.message)![1]!);
    expect(Math.abs(Date.parse(c.status!.nextSyncTime!) - retryAt)).toBeLessThan(5_000);
    expect(condition(c, 'Authenticated')?.status).toBe('True');
  });

  it('InvalidCredentials: tells the user to verify Client ID and Client Secret', async () => {
    await apply('invalid-credentials', { clientSecret: 'not-the-secret' });
    const c = await waitForReady(
      kube.custom,
      namespace,
      'invalid-credentials',
      'False',
      'InvalidCredentials',
    );
    expect(condition(c, 'Authenticated')?.message).toContain('verify Client ID and Client Secret');
    expect(JSON.stringify(c.status)).not.toContain('not-the-secret');
  });

  it('ReauthorizationRequired: a revoked grant asks the user to reconnect', async () => {
    sandbox.revokeGrant(grantFor('reauthorization').grant.grantId);
    await apply('reauthorization');
    const c = await waitForReady(
      kube.custom,
      namespace,
      'reauthorization',
      'False',
      'ReauthorizationRequired',
    );
    expect(condition(c, 'Authenticated')?.message).toContain('reconnect (authorize again)');
  });

  it('Unauthorized: a 401 with a fresh token asks to re-authenticate the integration', async () => {
    sandbox.setFaults({ unauthorized: true });
    try {
      await apply('unauthorized');
      const c = await waitForReady(kube.custom, namespace, 'unauthorized', 'False', 'Unauthorized');
      expect(condition(c, 'Authenticated')?.message).toContain('re-authenticate the integration');
    } finally {
      sandbox.clearFaults();
    }
  });

  it('InsufficientPermissions: names the missing scope and the admin access needed', async () => {
    sandbox.removeScope(grantFor('insufficient').grant.grantId, 'accounting.settings.read');
    await apply('insufficient');
    const c = await waitForReady(
      kube.custom,
      namespace,
      'insufficient',
      'False',
      'InsufficientPermissions',
    );
    const message = condition(c, 'Synced')!.message;
    expect(message).toContain('accounting.settings.read');
    expect(message).toContain('admin access');
  });

  it('TenantDisconnected: says the organisation was disconnected', async () => {
    const { tenant } = grantFor('disconnected');
    sandbox.disconnectTenant(tenant.tenantId);
    await apply('disconnected', { tenantId: tenant.tenantId });
    const c = await waitForReady(
      kube.custom,
      namespace,
      'disconnected',
      'False',
      'TenantDisconnected',
    );
    expect(condition(c, 'Synced')?.message).toContain('was disconnected');
    expect(condition(c, 'Synced')?.message).toContain(tenant.tenantId);
  });
});
