import { EventsV1Api } from '@kubernetes/client-node';
import type { ModelOrm } from '@xero-access/model';
import { EXAMPLE_IDS } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningReconciler } from '../app/bootstrap.js';
import { seedAcmeStaff } from '../test/acme-staff.js';
import { condition, until } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';

describe('reconciler end to end (API server, sandbox, Redis, PostgreSQL)', () => {
  const bed = useTestBed({ name: 'rec' });
  const { kube } = bed;
  let model: ModelOrm;
  let reconciler: RunningReconciler;

  beforeAll(async () => {
    model = await bed.openModel();
    // Noah (accounts-payable) has no role mapping in the test below.
    await seedAcmeStaff(model, {
      'olivia.chen@acme.example': 'finance-director',
      'noah.williams@acme.example': 'accounts-payable',
    });
    reconciler = await bed.startReconciler();
  });

  it('turns an applied XeroConnection into Ready=True with the right users and findings', async () => {
    await bed.applyAuthorizationCodeConnection('acme', {
      accessControl: {
        roleMappings: [
          { orgRole: 'accountant', xeroRoles: ['STANDARD', 'READONLY'] },
          { orgRole: 'finance-director', xeroRoles: [] },
        ],
      },
    });
    const acme = await bed.waitForReady('acme', 'True');
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

    const snapshots = await model.db.snapshots.list({ namespace: bed.namespace, name: 'acme' });
    expect(snapshots.items).toHaveLength(1);
    expect(snapshots.items[0]!.userCount).toBe(9);
    // status.userCount counts the users who can get in, as the snapshot's activeUserCount does.
    expect(snapshots.items[0]!.activeUserCount).toBe(acme.status?.userCount);

    const metrics = await (await fetch(`${reconciler.url}/metrics`)).text();
    expect(metrics).toMatch(
      /xao_open_findings\{namespace="[^"]+",name="acme",check="user-identified",severity="[a-z]+"\} 1/,
    );
    // The labels the chart's PrometheusRule selects on.
    expect(metrics).toMatch(
      /xao_open_findings\{namespace="[^"]+",name="acme",check="offboarded-access-removed",severity="high"\} 1/,
    );
    // Set after the status patch returns, so it can trail the status this test has just read.
    const readyMetric = /xao_connection_ready\{namespace="[^"]+",name="acme",reason="Ready"\} 1/;
    await until(async () =>
      readyMetric.test(await (await fetch(`${reconciler.url}/metrics`)).text()),
    );
    expect(metrics).toMatch(/xao_token_refreshes_total\{outcome="rotated"\} 1/);
    // The stale-sync alert's inputs: the last successful sync (status.lastSyncTime) and the interval.
    const schedule = `{namespace="${bed.namespace}",name="acme"}`;
    await until(async () =>
      (await (await fetch(`${reconciler.url}/metrics`)).text()).includes(
        `xao_connection_last_sync_timestamp_seconds${schedule} ${Date.parse(acme.status!.lastSyncTime!) / 1000}\n`,
      ),
    );
    expect(metrics).toContain(`xao_connection_sync_interval_seconds${schedule} 3600\n`);
    // Every answer from Xero, identity and API (the client's onCall hook).
    for (const operation of ['token refresh', 'GET /connections', 'GET Organisation', 'GET Users'])
      expect(metrics).toContain(`xao_xero_calls_total{operation="${operation}",status="200"} 1\n`);
  });

  it('records Kubernetes Events for readiness and the findings', async () => {
    const eventsApi = bed.kc.makeApiClient(EventsV1Api);
    const list = () =>
      eventsApi.listNamespacedEvent({
        namespace: bed.namespace,
        fieldSelector: 'regarding.name=acme',
      });
    // The Events are recorded just after the Ready status the set-up waited for.
    let events = await list();
    await until(async () => {
      events = await list();
      const reasons = events.items.map((e) => e.reason);
      return reasons.includes('Ready') && reasons.includes('FindingsOpened');
    }).catch(() => undefined);
    const reasons = events.items.map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Ready', 'FindingsOpened']));
    const opened = events.items.find((e) => e.reason === 'FindingsOpened');
    expect(opened?.type).toBe('Warning');
    expect(opened?.note).toContain('user-identified');
  });

  it('writes the rotated refresh token back to the token Secret', async () => {
    const grant = bed.sandbox.grants[0]!;
    const secret = await kube.core.readNamespacedSecret({
      namespace: bed.namespace,
      name: 'acme-tokens',
    });
    const stored = Buffer.from(secret.data!.refresh_token!, 'base64').toString();
    expect(stored).not.toBe(grant.refreshToken);
    expect(secret.data!.access_token).toBeDefined();
    expect(Date.parse(Buffer.from(secret.data!.expires_at!, 'base64').toString())).toBeGreaterThan(
      Date.now(),
    );
  });

  it('reports a missing credentials Secret as InvalidSpec naming the Secret', async () => {
    await bed.createConnection('no-secret', {
      credentialsSecretRef: { name: 'does-not-exist' },
      tokenSecretRef: { name: 'also-missing' },
    });
    const c = await bed.waitForReady('no-secret', 'False', 'InvalidSpec');
    expect(condition(c, 'Authenticated')?.message).toBe(
      `Secret ${bed.namespace}/does-not-exist (spec.credentialsSecretRef): does not exist.`,
    );
  });

  it('reports a Secret without the client secret key as InvalidSpec naming the key', async () => {
    await bed.createSecret('half-app', { clientId: 'abc' });
    await bed.createConnection('half', {
      credentialsSecretRef: { name: 'half-app' },
      tokenSecretRef: { name: 'x' },
    });
    const c = await bed.waitForReady('half', 'False', 'InvalidSpec');
    expect(condition(c, 'Ready')?.message).toContain('key clientSecret is missing');
  });

  it('keeps snapshots and findings as evidence when the XeroConnection is deleted', async () => {
    const { namespace } = bed;
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
          bed.getConnection('acme').then(
            () => 'present',
            () => 'gone',
          ),
        { timeout: 15_000 },
      )
      .toBe('gone');
    // Its series go; a deletion time tells the stale-sync alert it was deleted, not forgotten.
    const deletedAt = new RegExp(
      `^xao_connection_deleted_timestamp_seconds\\{namespace="${namespace}",name="acme"\\} (\\S+)$`,
      'm',
    );
    let metrics = '';
    await until(async () => {
      metrics = await (await fetch(`${reconciler.url}/metrics`)).text();
      return deletedAt.test(metrics);
    });
    expect(Number(deletedAt.exec(metrics)![1]) * 1000).toBeGreaterThan(Date.now() - 60_000);
    for (const gone of ['last_sync_timestamp_seconds', 'sync_interval_seconds', 'ready'])
      expect(metrics).not.toContain(`xao_connection_${gone}{namespace="${namespace}",name="acme"`);
    const record = (await model.db.connections.list({ namespace, includeDeleted: true })).find(
      (c) => c.name === 'acme',
    );
    expect(record).toBeDefined();
    expect(record?.deletedAt).toBeInstanceOf(Date);
    expect(
      (await model.db.snapshots.list({ namespace, name: 'acme' })).items.length,
    ).toBeGreaterThan(0);
    expect(
      (await model.db.findings.openCounts({ namespace, name: 'acme' }))['user-identified'],
    ).toBe(1);
  });
});
