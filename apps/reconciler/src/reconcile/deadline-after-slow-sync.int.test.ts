import { describe, expect, it } from 'vitest';
import { seedAcmeStaff } from '../test/acme-staff.js';
import { eventually } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';

/** Added to each Xero API call: a sync (connections, Organisation, Users) takes 3 times this. */
const XERO_LATENCY_MS = 2_500;

describe('the sync due at a deadline after a slow sync', () => {
  const bed = useTestBed({ name: 'slow-sync' });

  it(
    'starts a second after the deadline, not that plus the time the slow sync took',
    { timeout: 120_000 },
    async () => {
      const model = await bed.openModel();
      await seedAcmeStaff(model);
      // Only the requeue may start the sync due when the acceptance ends: the expiry sweep would
      // reconcile the connection too.
      await bed.startReconciler({ ACCEPTANCE_EXPIRY_INTERVAL: '1h', SYNC_JITTER: '0' });
      await bed.applyAuthorizationCodeConnection('acme', { syncInterval: '1h' });
      await bed.waitForReady('acme', 'True');
      const ref = { namespace: bed.namespace, name: 'acme' };
      const [finding] = (
        await model.db.findings.list({ connection: ref, check: 'user-identified', status: 'open' })
      ).items;

      bed.sandbox.setFaults({ target: 'api', latencyMs: XERO_LATENCY_MS });
      const until = new Date(Date.now() + 15_000);
      await model.db.findings.acceptRisk(finding!.id, {
        reason: 'contractor; the contract ends today',
        by: 'alice@acme.test',
        until,
      });
      const requested = await bed.requestSync('acme');
      const slow = await eventually(
        async () => {
          const c = await bed.getConnection('acme');
          return Date.parse(c.status?.lastSyncTime ?? '') >= Date.parse(requested) ? c : undefined;
        },
        30_000,
        'the slow sync',
      );
      const slowStartedAt = Date.parse(slow.status!.lastSyncTime!);
      expect(Date.now() - slowStartedAt).toBeGreaterThanOrEqual(3 * XERO_LATENCY_MS - 500);
      const dueAt = Date.parse(slow.status!.nextSyncTime!);
      expect(dueAt).toBeGreaterThan(until.getTime());
      expect(dueAt).toBeLessThanOrEqual(until.getTime() + 1_000);

      const next = await eventually(
        async () => {
          const c = await bed.getConnection('acme');
          return Date.parse(c.status?.lastSyncTime ?? '') > slowStartedAt ? c : undefined;
        },
        45_000,
        'the sync due when the acceptance ends',
      );
      // Requeued at the deadline: a requeue counted from the slow sync's end starts 7.5 s late.
      const startedAt = Date.parse(next.status!.lastSyncTime!);
      expect(startedAt).toBeGreaterThanOrEqual(dueAt);
      expect(startedAt).toBeLessThan(dueAt + 2_500);
    },
  );
});
