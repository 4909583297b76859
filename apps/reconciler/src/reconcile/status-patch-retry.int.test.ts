import { EventsV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { seedAcmeStaff } from '../test/acme-staff.js';
import { until } from '../test/harness.js';
import { kubeTappingProxy } from '../test/tapping-proxy.js';
import { useTestBed } from '../test/test-bed.js';

describe('a status patch that fails after a sync that opened findings', () => {
  const bed = useTestBed({ name: 'status-retry' });

  it(
    'is retried without syncing Xero again, and the FindingsOpened Event is still recorded',
    { timeout: 120_000 },
    async () => {
      const model = await bed.openModel();
      await seedAcmeStaff(model);
      // The reconciler's Kubernetes calls go through a proxy that fails the first status patch.
      const statusPath = `/namespaces/${bed.namespace}/xeroconnections/acme/status`;
      let failedPatches = 0;
      const kube = await kubeTappingProxy(bed.kc, (request) => {
        const path = (request.url ?? '').split('?')[0]!;
        if (request.method !== 'PATCH' || !path.endsWith(statusPath) || failedPatches > 0) return;
        failedPatches++;
        return 'fail';
      });
      bed.onStop(() => kube.close());
      const reconciler = await bed.startReconciler({ KUBECONFIG: kube.kubeconfigPath });

      await bed.applyAuthorizationCodeConnection('acme');
      const acme = await bed.waitForReady('acme', 'True', undefined, 60_000);
      expect(failedPatches).toBe(1);
      expect(acme.status?.openFindings).toBeGreaterThan(0);
      // The sync's own status: its next sync one interval (1 h, plus up to 10 % jitter) after it.
      const interval =
        Date.parse(acme.status!.nextSyncTime!) - Date.parse(acme.status!.lastSyncTime!);
      expect(interval).toBeGreaterThanOrEqual(3_600_000);
      expect(interval).toBeLessThanOrEqual(3_960_000);

      // One sync: one snapshot, and Xero's users read once.
      const snapshots = await model.db.snapshots.list({ namespace: bed.namespace, name: 'acme' });
      expect(snapshots.items).toHaveLength(1);
      const metrics = await (await fetch(`${reconciler.url}/metrics`)).text();
      expect(metrics).toContain('xao_xero_calls_total{operation="GET Users",status="200"} 1\n');

      // Recorded just after the status the wait above saw.
      const eventsApi = bed.kc.makeApiClient(EventsV1Api);
      const reasons = async () =>
        (
          await eventsApi.listNamespacedEvent({
            namespace: bed.namespace,
            fieldSelector: 'regarding.name=acme',
          })
        ).items.map((e) => e.reason);
      await until(async () => (await reasons()).includes('FindingsOpened'), 10_000).catch(
        () => undefined,
      );
      const recorded = await reasons();
      expect(recorded.filter((reason) => reason === 'FindingsOpened')).toHaveLength(1);
      expect(recorded.filter((reason) => reason === 'Ready')).toHaveLength(1);
    },
  );
});
