import { CoordinationV1Api, EventsV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { coordinates, eventually, until } from '../test/harness.js';
import { metricValue, type ReconcilerProcess } from '../test/reconciler-process.js';
import { useTestBed } from '../test/test-bed.js';
import { CLAIMED_ELSEWHERE_REASON, claimedElsewhereNote } from './claimed-elsewhere.js';
import { CLAIM_LEASE_NAME } from './namespace-claims.js';

describe('two releases whose reconcilers watch the same namespace', () => {
  const bed = useTestBed({ name: 'two-releases' });
  const durationMs = 8_000;

  /** A release as the chart makes one: its own leader Lease, which names its claims. */
  const release = (name: string): ReconcilerProcess =>
    bed.spawnReconciler(
      bed.env({
        identity: `${name}-pod`,
        extra: {
          LEADER_ELECTION_LEASE_NAME: `${name}-reconciler`,
          CLAIM_IDENTITY: '',
          CLAIM_DURATION: `${durationMs}ms`,
          CLAIM_RENEW_PERIOD: '2s',
        },
      }),
    );
  const identity = (name: string) => `${bed.namespace}/${name}-reconciler`;

  const claimHolder = async () =>
    (
      await bed.kc
        .makeApiClient(CoordinationV1Api)
        .readNamespacedLease({ namespace: bed.namespace, name: CLAIM_LEASE_NAME })
    ).spec!;
  const claimEvents = async (name: string) =>
    (
      await bed.kc.makeApiClient(EventsV1Api).listNamespacedEvent({
        namespace: bed.namespace,
        fieldSelector: `regarding.name=${name}`,
      })
    ).items.filter((e) => e.reason === CLAIMED_ELSEWHERE_REASON);
  const syncedSince = (requested: string) =>
    eventually(
      async () => {
        const c = await bed.getConnection('acme');
        return Date.parse(c.status?.lastSyncTime ?? '') >= Date.parse(requested) ? c : undefined;
      },
      30_000,
      'the requested sync',
    );
  const reconciles = async (p: ReconcilerProcess) =>
    metricValue(await p.metrics(), 'xao_reconcile_duration_seconds_count');

  it(
    'only the claim holder syncs, deletes and writes; the other reports the claim, and takes over once it lapses',
    { timeout: 180_000 },
    async () => {
      const model = await bed.openModel();
      const snapshotCount = async () =>
        (await model.db.snapshots.list({ namespace: bed.namespace, name: 'acme' })).items.length;
      const a = release('release-a');
      await a.waitForLog('became leader', 60_000);
      await bed.applyAuthorizationCodeConnection('acme');
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
      await bed.waitForReady('acme', 'True');
      await bed.waitForReady('payments', 'True');
      expect((await claimHolder()).holderIdentity).toBe(identity('release-a'));

      // Release B's leader finds both connections in a namespace release A claims.
      const b = release('release-b');
      await b.waitForLog('became leader', 60_000);
      const claimedByA = `namespace="${bed.namespace}",holder="${identity('release-a')}"`;
      await until(
        async () =>
          metricValue(await b.metrics(), 'xao_namespace_claimed_elsewhere', claimedByA) === 1,
        20_000,
      );
      const note = claimedElsewhereNote(
        bed.namespace,
        identity('release-a'),
        identity('release-b'),
        durationMs,
      );
      for (const name of ['acme', 'payments']) {
        const events = await eventually(
          async () => ((await claimEvents(name)).length > 0 ? claimEvents(name) : undefined),
          10_000,
          `the ${CLAIMED_ELSEWHERE_REASON} Event of ${name}`,
        );
        expect(events.map((e) => [e.type, e.note])).toEqual([['Warning', note]]);
      }

      // Two claim durations: B looks again (and A renews) more than once, and B takes nothing.
      const reconcilesBefore = await reconciles(b);
      await new Promise((r) => setTimeout(r, 2 * durationMs + 1_000));
      expect(await reconciles(b)).toBeGreaterThanOrEqual(reconcilesBefore + 2);
      const requested = await bed.requestSync('acme');
      await syncedSince(requested);
      // One snapshot per sync: the first and the requested one, none of them B's.
      expect(await snapshotCount()).toBe(2);
      expect(metricValue(await b.metrics(), 'xao_xero_calls_total')).toBe(0);
      expect((await claimEvents('acme')).length).toBe(1);
      const warnings = b.logs.filter((l) =>
        l.msg.startsWith('namespace claimed by another release'),
      );
      expect(warnings.map((l) => [l.level, l.namespace, l.holder])).toEqual([
        ['warn', bed.namespace, identity('release-a')],
      ]);
      expect((await claimHolder()).holderIdentity).toBe(identity('release-a'));

      // Release A goes (SIGTERM: its leader Lease is released, its claim is left to lapse).
      await a.kill('SIGTERM');
      const lastRenewal = Date.parse(String((await claimHolder()).renewTime));
      // B is told of the deletion at once, but leaves it to the claim's holder.
      const seenBefore = await reconciles(b);
      await bed.kube.custom.deleteNamespacedCustomObject({
        ...coordinates,
        namespace: bed.namespace,
        name: 'payments',
      });
      await until(async () => (await reconciles(b)) > seenBefore, 5_000);
      const deleting = await bed.getConnection('payments');
      expect(Date.now()).toBeLessThan(lastRenewal + durationMs - 1_000);
      expect(deleting.metadata?.deletionTimestamp).toBeDefined();
      expect(deleting.metadata?.finalizers).toContain('xeroaccess.dev/finalizer');

      // Not before the claim lapses (counted from its last renewal), and soon after.
      await b.waitForLog((l) => l.msg.startsWith('took over the namespace claim'), 30_000);
      const tookOverAfter = Date.now() - lastRenewal;
      expect(tookOverAfter).toBeGreaterThan(durationMs - 1_000);
      expect(tookOverAfter).toBeLessThan(2 * durationMs + 2_000);
      expect((await claimHolder()).holderIdentity).toBe(identity('release-b'));

      // Now B finalizes the deleted connection and syncs the other.
      await until(
        () =>
          bed.getConnection('payments').then(
            () => false,
            () => true,
          ),
        30_000,
      );
      const again = await bed.requestSync('acme');
      await syncedSince(again);
      expect(await snapshotCount()).toBe(3);
      const metrics = await b.metrics();
      expect(metricValue(metrics, 'xao_xero_calls_total')).toBeGreaterThan(0);
      expect(metricValue(metrics, 'xao_namespace_claimed_elsewhere', claimedByA)).toBe(0);
    },
  );
});
