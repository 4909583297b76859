import { EXAMPLE_IDS, startSandbox, type Sandbox } from '@xero-access/xero-sandbox';
import { createOrm, type ModelOrm } from '@xero-access/model';
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
  applyAuthorizationCodeConnection,
  condition,
  createConnection,
  createSecret,
  getConnection,
  testConfig,
  waitForReady,
  type Apis,
} from '../test/harness.js';

describe('reconciler end to end (API server, sandbox, Redis, PostgreSQL)', () => {
  let sandbox: Sandbox;
  let database: TestDatabase;
  let model: ModelOrm;
  let reconciler: RunningReconciler;
  let kube: Apis;
  let namespace: string;

  beforeAll(async () => {
    const kc = testKubeConfig();
    kube = apis(kc);
    namespace = await createTestNamespace(kc, 'rec');
    sandbox = await startSandbox();
    database = await createTestDatabase('rec');
    model = await createOrm({ url: database.url, migrate: true });
    const u = EXAMPLE_IDS.users;
    // The staff directory: most people, one leaver (Emma), nobody owns Jack's personal address.
    const olivia = await model.db.staff.create({
      email: 'olivia.chen@acme.example',
      name: 'Olivia Chen',
      orgRole: 'finance-director',
    });
    await model.db.staff.create({
      email: 'liam.patel@acme.example',
      name: 'Liam Patel',
      orgRole: 'accountant',
    });
    await model.db.staff.create({
      email: 'sophie.martin@acme.example',
      name: 'Sophie Martin',
      orgRole: 'accountant',
    });
    await model.db.staff.create({
      email: 'noah.williams@acme.example',
      name: 'Noah Williams',
      orgRole: 'accounts-payable',
    });
    const emma = await model.db.staff.create({
      email: 'emma.brown@acme.example',
      name: 'Emma Brown',
      orgRole: 'accountant',
    });
    await model.db.staff.setStatus(
      emma.id,
      'offboarded',
      new Date(),
      new Date(Date.now() - 72 * 3_600_000),
    );
    await model.db.links.link(u.syncService, {
      nonHuman: true,
      justification: 'Nightly bank-feed sync service',
    });
    await model.db.links.link(u.graceWilson, {
      nonHuman: true,
      justification: 'External adviser (Ledgerwise)',
    });
    void olivia;
    reconciler = await startReconciler(
      testConfig({
        sandbox,
        namespace,
        databaseUrl: database.url,
        redisPrefix: redisTestPrefix('rec'),
      }),
    );
  });

  afterAll(async () => {
    await reconciler?.close();
    await model?.close();
    await sandbox?.close();
    await database?.drop();
  });

  it('turns an applied XeroConnection into Ready=True with the right users and findings', async () => {
    await applyAuthorizationCodeConnection(kube, sandbox, namespace, 'acme', {
      accessControl: {
        roleMappings: [
          { orgRole: 'accountant', xeroRoles: ['STANDARD', 'READONLY'] },
          { orgRole: 'finance-director', xeroRoles: [] },
        ],
      },
    });
    const acme = await waitForReady(kube.custom, namespace, 'acme', 'True');
    expect(acme.metadata?.finalizers).toContain('xeroaccess.dev/finalizer');
    expect(acme.status?.observedGeneration).toBe(acme.metadata?.generation);
    expect(acme.status?.userCount).toBe(8);
    expect(acme.status?.tenants).toEqual([
      expect.objectContaining({
        tenantId: EXAMPLE_IDS.acmeTenantId,
        tenantName: 'Acme Finance Ltd',
      }),
    ]);
    expect(acme.status?.findings).toEqual({
      'user-identified': 1, // Jack Taylor's personal address
      'offboarded-access-removed': 1, // Emma Brown left three days ago
      'critical-system-access-configured': 0,
      'critical-system-access-valid': 1, // Noah (accounts-payable) has no mapping
    });
    expect(acme.status?.openFindings).toBe(3);
    for (const type of ['Authenticated', 'Synced', 'PoliciesEvaluated'])
      expect(condition(acme, type)?.status).toBe('True');
    expect(Date.parse(acme.status!.nextSyncTime!)).toBeGreaterThan(
      Date.parse(acme.status!.lastSyncTime!) + 3_500_000,
    );
    expect(acme.status?.refreshTokenRotatedAt).toBeDefined();

    const snapshots = await model.db.snapshots.list({ namespace, name: 'acme' });
    expect(snapshots.items).toHaveLength(1);
    expect(snapshots.items[0]!.userCount).toBe(9);

    const metrics = await (await fetch(`${reconciler.url}/metrics`)).text();
    expect(metrics).toMatch(
      /xao_open_findings\{namespace="[^"]+",name="acme",check="user-identified",severity="[a-z]+"\} 1/,
    );
    // The labels the chart's PrometheusRule selects on.
    expect(metrics).toMatch(
      /xao_open_findings\{namespace="[^"]+",name="acme",check="offboarded-access-removed",severity="high"\} 1/,
    );
    expect(metrics).toMatch(
      /xao_connection_ready\{namespace="[^"]+",name="acme",reason="Ready"\} 1/,
    );
    expect(metrics).toMatch(/xao_token_refreshes_total\{outcome="rotated"\} 1/);
    expect(metrics).toMatch(/xao_xero_calls_total\{operation="GET Users",status="200"\} 1/);
  });

  it('records Kubernetes Events for readiness and the findings', async () => {
    const { EventsV1Api } = await import('@kubernetes/client-node');
    const events = await testKubeConfig()
      .makeApiClient(EventsV1Api)
      .listNamespacedEvent({ namespace, fieldSelector: 'regarding.name=acme' });
    const reasons = events.items.map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Ready', 'FindingsOpened']));
    const opened = events.items.find((e) => e.reason === 'FindingsOpened');
    expect(opened?.type).toBe('Warning');
    expect(opened?.note).toContain('user-identified');
  });

  it('writes the rotated refresh token back to the token Secret', async () => {
    const grant = sandbox.grants[0]!;
    const secret = await kube.core.readNamespacedSecret({ namespace, name: 'acme-tokens' });
    const stored = Buffer.from(secret.data!.refresh_token!, 'base64').toString();
    expect(stored).not.toBe(grant.refreshToken);
    expect(secret.data!.access_token).toBeDefined();
    expect(Date.parse(Buffer.from(secret.data!.expires_at!, 'base64').toString())).toBeGreaterThan(
      Date.now(),
    );
  });

  it('reports a missing credentials Secret as InvalidSpec naming the Secret', async () => {
    await createConnection(kube.custom, namespace, 'no-secret', {
      credentialsSecretRef: { name: 'does-not-exist' },
      tokenSecretRef: { name: 'also-missing' },
    });
    const c = await waitForReady(kube.custom, namespace, 'no-secret', 'False', 'InvalidSpec');
    expect(condition(c, 'Authenticated')?.message).toBe(
      `Secret ${namespace}/does-not-exist (spec.credentialsSecretRef): does not exist.`,
    );
  });

  it('reports a Secret without the client secret key as InvalidSpec naming the key', async () => {
    await createSecret(kube.core, namespace, 'half-app', { clientId: 'abc' });
    await createConnection(kube.custom, namespace, 'half', {
      credentialsSecretRef: { name: 'half-app' },
      tokenSecretRef: { name: 'x' },
    });
    const c = await waitForReady(kube.custom, namespace, 'half', 'False', 'InvalidSpec');
    expect(condition(c, 'Ready')?.message).toContain('key clientSecret is missing');
  });

  it('keeps snapshots and findings as evidence when the XeroConnection is deleted', async () => {
    await kube.custom.deleteNamespacedCustomObject({
      group: 'xeroaccess.dev',
      version: 'v1alpha1',
      plural: 'xeroconnections',
      namespace,
      name: 'acme',
    });
    await expect
      .poll(
        async () =>
          getConnection(kube.custom, namespace, 'acme').then(
            () => 'present',
            () => 'gone',
          ),
        { timeout: 15_000 },
      )
      .toBe('gone');
    const record = (await model.db.connections.list({ namespace, includeDeleted: true })).find(
      (c) => c.name === 'acme',
    );
    expect(record?.deletedAt).not.toBeNull();
    expect(
      (await model.db.snapshots.list({ namespace, name: 'acme' })).items.length,
    ).toBeGreaterThan(0);
    expect(
      (await model.db.findings.openCounts({ namespace, name: 'acme' }))['user-identified'],
    ).toBe(1);
  });
});
