import { describe, expect, it } from 'vitest';
import { eventually } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';
import { SYNC_REQUESTED_ANNOTATION } from './requested-sync.js';

const GAP_MS = 6_000;

describe('syncs asked for by the annotation (staff changes, kubectl annotate)', () => {
  const bed = useTestBed({ name: 'requested-gap' });

  it(
    'start no sooner than REQUESTED_SYNC_GAP after the last one, and one sync serves the requests made meanwhile',
    { timeout: 90_000 },
    async () => {
      await bed.startReconciler({ REQUESTED_SYNC_GAP: `${GAP_MS / 1000}s` });
      await bed.applyAuthorizationCodeConnection('acme', { syncInterval: '1h' });
      const first = await bed.waitForReady('acme', 'True');
      const firstSync = Date.parse(first.status!.lastSyncTime!);
      const xeroCalls = () =>
        Object.values(bed.sandbox.stats().callsPerApp).reduce((sum, n) => sum + n, 0);
      const before = xeroCalls();

      // Three requests within the gap: none starts a sync before it ends.
      for (let i = 0; i < 3; i += 1) {
        await bed.requestSync('acme');
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(xeroCalls()).toBe(before);

      const second = await eventually(
        async () => {
          const c = await bed.getConnection('acme');
          return c.status?.lastSyncTime !== first.status?.lastSyncTime ? c : undefined;
        },
        30_000,
        'the requested sync',
      );
      expect(Date.parse(second.status!.lastSyncTime!) - firstSync).toBeGreaterThanOrEqual(
        GAP_MS - 1_000,
      );
      // Past another gap nothing more ran: that one sync served the three requests.
      const afterSecond = xeroCalls();
      expect(afterSecond).toBeGreaterThan(before);
      await new Promise((r) => setTimeout(r, GAP_MS + 2_000));
      expect(xeroCalls()).toBe(afterSecond);
      expect((await bed.getConnection('acme')).status?.lastSyncTime).toBe(
        second.status?.lastSyncTime,
      );
    },
  );
});

describe("a sync request stamped by a clock behind the leader's", () => {
  const bed = useTestBed({ name: 'requested-behind' });

  it(
    'is served, though it names a time before the last sync, and once',
    { timeout: 90_000 },
    async () => {
      await bed.startReconciler({ REQUESTED_SYNC_GAP: '1s' });
      await bed.applyAuthorizationCodeConnection('acme', { syncInterval: '1h' });
      const first = await bed.waitForReady('acme', 'True');
      expect(first.status?.lastHandledSyncRequest).toBe('');

      // As a standby whose clock is 20 s behind the leader's stamps a staff change.
      const behind = new Date(Date.parse(first.status!.lastSyncTime!) - 20_000).toISOString();
      await bed.annotate('acme', { [SYNC_REQUESTED_ANNOTATION]: behind });
      const second = await eventually(
        async () => {
          const c = await bed.getConnection('acme');
          return c.status?.lastSyncTime !== first.status?.lastSyncTime ? c : undefined;
        },
        20_000,
        'the sync requested with a time before the last one',
      );
      expect(second.status?.lastHandledSyncRequest).toBe(behind);

      // Handled: past the gap, no other sync runs for it.
      await new Promise((r) => setTimeout(r, 3_000));
      expect((await bed.getConnection('acme')).status?.lastSyncTime).toBe(
        second.status?.lastSyncTime,
      );
    },
  );
});
