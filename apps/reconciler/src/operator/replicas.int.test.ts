import { startSandbox, type Sandbox } from '@xero-access/xero-sandbox';
import {
  createTestDatabase,
  createTestNamespace,
  redisTestPrefix,
  testKubeConfig,
  type TestDatabase,
} from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apis,
  applyAuthorizationCodeConnection,
  createConnection,
  createSecret,
  testEnv,
  waitForReady,
  type Apis,
} from '../test/harness.js';
import { metricValue, ReconcilerProcess } from '../test/reconciler-process.js';

describe('two reconciler processes with production leader-election timings', () => {
  let sandbox: Sandbox;
  let database: TestDatabase;
  let kube: Apis;
  let namespace: string;
  let env: (identity: string) => Record<string, string>;
  const processes: ReconcilerProcess[] = [];

  beforeAll(async () => {
    const kc = testKubeConfig();
    kube = apis(kc);
    namespace = await createTestNamespace(kc, 'replicas');
    sandbox = await startSandbox();
    database = await createTestDatabase('replicas');
    const redisPrefix = redisTestPrefix('replicas');
    env = (identity) =>
      testEnv({
        sandbox,
        namespace,
        databaseUrl: database.url,
        redisPrefix,
        identity,
        // The defaults a Deployment runs with: lease 15 s, renew deadline 10 s, retry 2 s.
        extra: { LEASE_DURATION: '15s', LEASE_RENEW_DEADLINE: '10s', LEASE_RETRY_PERIOD: '2s' },
      });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await sandbox?.close();
    await database?.drop();
  });

  it(
    'only the leader reconciles; after kill -9 of the leader the standby takes over within 30 s',
    { timeout: 120_000 },
    async () => {
      const a = new ReconcilerProcess(env('replica-a'));
      processes.push(a);
      await a.waitForLog('became leader', 60_000);
      const b = new ReconcilerProcess(env('replica-b'));
      processes.push(b);
      await b.url();

      await applyAuthorizationCodeConnection(kube, sandbox, namespace, 'acme');
      await waitForReady(kube.custom, namespace, 'acme', 'True');
      const [metricsA, metricsB] = await Promise.all([a.metrics(), b.metrics()]);
      expect(metricValue(metricsA, 'xao_leader ')).toBe(1);
      expect(metricValue(metricsB, 'xao_leader ')).toBe(0);
      expect(metricValue(metricsA, 'xao_reconcile_duration_seconds_count')).toBeGreaterThan(0);
      expect(metricValue(metricsB, 'xao_reconcile_duration_seconds_count')).toBe(0);
      expect(b.logs.some((l) => l.msg === 'became leader')).toBe(false);

      const killedAt = Date.now();
      await a.kill('SIGKILL');
      await b.waitForLog('became leader', 30_000);
      const failoverMs = Date.now() - killedAt;
      expect(failoverMs).toBeLessThan(30_000);

      // The new leader reconciles new work: a custom connection applied after the failover.
      const custom = sandbox.apps.find((app) => app.kind === 'custom-connection')!;
      await createSecret(kube.core, namespace, 'payments-app', {
        clientId: custom.clientId,
        clientSecret: custom.clientSecret,
      });
      await createConnection(kube.custom, namespace, 'payments', {
        authFlow: 'ClientCredentials',
        credentialsSecretRef: { name: 'payments-app' },
        scopes: ['accounting.settings.read'],
      });
      const payments = await waitForReady(kube.custom, namespace, 'payments', 'True');
      expect(payments.status?.tenants?.[0]?.tenantName).toBe('Acme Payments Pty Ltd');
      expect(
        metricValue(await b.metrics(), 'xao_reconcile_duration_seconds_count'),
      ).toBeGreaterThan(0);
      console.info(`failover after kill -9: ${failoverMs} ms`);
    },
  );

  it(
    'a graceful shutdown (SIGTERM) releases the Lease so the standby takes over at once',
    { timeout: 90_000 },
    async () => {
      const lease = { LEADER_ELECTION_LEASE_NAME: 'graceful' };
      const leader = new ReconcilerProcess({ ...env('graceful-1'), ...lease });
      processes.push(leader);
      await leader.waitForLog('became leader', 60_000);
      const standby = new ReconcilerProcess({ ...env('graceful-2'), ...lease });
      processes.push(standby);
      await standby.url();
      const stoppedAt = Date.now();
      await leader.kill('SIGTERM');
      expect(
        leader.logs.map((l) => l.msg),
        leader.errorOutput,
      ).toEqual(
        expect.arrayContaining(['stopped: in-flight work finished', 'released the leader lease']),
      );
      await standby.waitForLog('became leader', 15_000);
      // Well inside the 15 s lease the standby would otherwise wait out.
      expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    },
  );
});
