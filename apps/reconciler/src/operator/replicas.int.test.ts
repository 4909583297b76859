import { describe, expect, it } from 'vitest';
import { metricValue } from '../test/reconciler-process.js';
import { holdLease, until } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';

describe('two reconciler processes with production leader-election timings', () => {
  const bed = useTestBed({ name: 'replicas' });
  const env = (identity: string) =>
    bed.env({
      identity,
      // The defaults a Deployment runs with: lease 15 s, renew deadline 10 s, retry 2 s.
      extra: { LEASE_DURATION: '15s', LEASE_RENEW_DEADLINE: '10s', LEASE_RETRY_PERIOD: '2s' },
    });

  it(
    'only the leader reconciles; after kill -9 of the leader the standby takes over within 30 s',
    { timeout: 120_000 },
    async () => {
      const a = bed.spawnReconciler(env('replica-a'));
      await a.waitForLog('became leader', 60_000);
      const b = bed.spawnReconciler(env('replica-b'));
      await b.url();

      await bed.applyAuthorizationCodeConnection('acme');
      await bed.waitForReady('acme', 'True');
      const [metricsA, metricsB] = await Promise.all([a.metrics(), b.metrics()]);
      expect(metricValue(metricsA, 'xao_leader ')).toBe(1);
      expect(metricValue(metricsB, 'xao_leader ')).toBe(0);
      // The duration is observed when the reconcile returns, just after it wrote Ready.
      await until(
        async () => metricValue(await a.metrics(), 'xao_reconcile_duration_seconds_count') > 0,
      );
      expect(metricValue(metricsB, 'xao_reconcile_duration_seconds_count')).toBe(0);
      expect(b.logs.some((l) => l.msg === 'became leader')).toBe(false);

      const killedAt = Date.now();
      await a.kill('SIGKILL');
      await b.waitForLog('became leader', 30_000);
      const failoverMs = Date.now() - killedAt;
      expect(failoverMs).toBeLessThan(30_000);

      // The new leader reconciles new work: a custom connection applied after the failover.
      const custom = bed.sandbox.apps.find((app) => app.kind === 'custom-connection')!;
      await bed.createSecret('payments-app', {
        clientId: custom.clientId,
        clientSecret: custom.clientSecret,
      });
      await bed.createConnection('payments', {
        authFlow: 'ClientCredentials',
        credentialsSecretRef: { name: 'payments-app' },
        scopes: ['accounting.settings.read'],
      });
      const payments = await bed.waitForReady('payments', 'True');
      expect(payments.status?.tenants?.[0]?.tenantName).toBe('Acme Payments Pty Ltd');
      await until(
        async () => metricValue(await b.metrics(), 'xao_reconcile_duration_seconds_count') > 0,
      );
      console.info(`failover after kill -9: ${failoverMs} ms`);
    },
  );

  it(
    'a graceful shutdown (SIGTERM) releases the Lease so the standby takes over at once',
    { timeout: 90_000 },
    async () => {
      const lease = { LEADER_ELECTION_LEASE_NAME: 'graceful' };
      const leader = bed.spawnReconciler({ ...env('graceful-1'), ...lease });
      await leader.waitForLog('became leader', 60_000);
      const standby = bed.spawnReconciler({ ...env('graceful-2'), ...lease });
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

describe('a leader that cannot renew its Lease in time', () => {
  const bed = useTestBed({ name: 'step-down' });
  const connectionSeries = (metrics: string) =>
    metrics
      .split('\n')
      .filter((l) => l.startsWith('xao_open_findings{') || l.startsWith('xao_connection_ready{'))
      .sort();

  it(
    'steps down and stops exporting connection series; leading again, exports them without a sync',
    { timeout: 120_000 },
    async () => {
      const lease = 'step-down';
      const replica = bed.spawnReconciler(
        bed.env({ identity: 'step-down-1', extra: { LEADER_ELECTION_LEASE_NAME: lease } }),
      );
      await replica.waitForLog('became leader', 60_000);
      await bed.applyAuthorizationCodeConnection('acme');
      const synced = await bed.waitForReady('acme', 'True');
      // xao_connection_ready is set just after the status write this test has read.
      await until(async () =>
        connectionSeries(await replica.metrics()).some((l) => l.startsWith('xao_connection_ready')),
      );
      const exported = connectionSeries(await replica.metrics());
      expect(exported.filter((l) => l.startsWith('xao_open_findings')).length).toBeGreaterThan(0);

      // Another holder keeps the Lease, as when this replica cannot reach the API server in time.
      const release = holdLease(bed.kc, bed.namespace, lease, 'someone-else');
      bed.onStop(release);
      await replica.waitForLog('could not renew the leader lease in time: stepping down', 15_000);
      await replica.waitForLog((l) => l.msg.startsWith('stopped: in-flight work'), 15_000);
      const afterStepDown = await replica.metrics();
      expect(metricValue(afterStepDown, 'xao_leader ')).toBe(0);
      expect(connectionSeries(afterStepDown)).toEqual([]);

      await release();
      await until(() => replica.logs.filter((l) => l.msg === 'became leader').length === 2, 20_000);
      await until(
        async () => connectionSeries(await replica.metrics()).length === exported.length,
        15_000,
      );
      expect(connectionSeries(await replica.metrics())).toEqual(exported);
      expect((await bed.getConnection('acme')).status?.lastSyncTime).toBe(
        synced.status?.lastSyncTime,
      );
    },
  );
});

describe('a leader that loses the Lease in the middle of a sync', () => {
  const bed = useTestBed({ name: 'fenced' });

  it(
    'writes nothing more for it (no status, no snapshot); leading again, it syncs with the rotated token',
    { timeout: 120_000 },
    async () => {
      const lease = 'fenced';
      const replica = bed.spawnReconciler(
        bed.env({
          identity: 'fenced-1',
          // A drain longer than the sync: the term ends only once the reconcile has returned.
          extra: {
            LEADER_ELECTION_LEASE_NAME: lease,
            SHUTDOWN_DRAIN: '60s',
            SHUTDOWN_GRACE_PERIOD: '75s',
          },
        }),
      );
      await replica.waitForLog('became leader', 60_000);
      // /connections, Organisation and Users take 2.5 s each: the sync outlasts the step-down.
      bed.sandbox.setFaults({ target: 'api', latencyMs: 2_500 });
      await bed.applyAuthorizationCodeConnection('acme');
      // The refresh at the start of the sync, before any Xero API call.
      await replica.waitForLog('refresh token rotated and written back', 30_000);

      const release = holdLease(bed.kc, bed.namespace, lease, 'someone-else');
      bed.onStop(release);
      await replica.waitForLog('could not renew the leader lease in time: stepping down', 15_000);
      const atStepDown = await bed.getConnection('acme');
      expect(atStepDown.status?.lastSyncTime).toBeUndefined();

      // The term ends once its reconciles have returned (the drain is longer than the sync).
      await replica.waitForLog((l) => l.msg.startsWith('stopped: in-flight work'), 30_000);
      const afterTerm = await bed.getConnection('acme');
      expect(afterTerm.status).toEqual(atStepDown.status);
      expect(afterTerm.metadata?.resourceVersion).toBe(atStepDown.metadata?.resourceVersion);
      const model = await bed.openModel();
      const ref = { namespace: bed.namespace, name: 'acme' };
      expect((await model.db.snapshots.list(ref)).items).toHaveLength(0);
      expect(replica.logs.map((l) => l.msg)).toContain(
        'reconcile stopped before writing: no longer leading',
      );

      // Nothing was lost: leading again, the replica syncs with the token set the fenced sync
      // rotated and wrote back (a lost rotation would be ReauthorizationRequired).
      bed.sandbox.clearFaults();
      await release();
      await until(() => replica.logs.filter((l) => l.msg === 'became leader').length === 2, 20_000);
      const synced = await bed.waitForReady('acme', 'True', undefined, 30_000);
      expect(synced.status?.userCount).toBeGreaterThan(0);
      expect((await model.db.snapshots.list(ref)).items.length).toBeGreaterThan(0);
    },
  );
});
