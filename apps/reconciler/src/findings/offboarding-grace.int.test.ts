import type { ModelOrm } from '@xero-access/model';
import { EXAMPLE_IDS } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import { AFTER_DEADLINE_MS } from '../reconcile/next-sync.js';
import { eventually } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';

const HOUR_MS = 3_600_000;
const GRACE_HOURS = 24;
const CHECK = 'offboarded-access-removed';

describe('an offboarding grace period that ends between scheduled syncs', () => {
  const bed = useTestBed({ name: 'grace' });
  let model: ModelOrm;

  beforeAll(async () => {
    model = await bed.openModel();
    await bed.startReconciler({ OFFBOARDING_GRACE_HOURS: String(GRACE_HOURS) });
  });

  it(
    'is followed by a sync just after it ends, on a 24h interval: access still held then is a finding',
    { timeout: 240_000 },
    async () => {
      // Olivia Chen (a user of the sandbox's Acme Finance, tied by email) left almost a day ago:
      // her grace period ends in 90 s (the policy may not bring a sync closer than a minute),
      // 23 hours before the next scheduled sync.
      const offboardedAt = new Date(Date.now() - GRACE_HOURS * HOUR_MS + 90_000);
      const graceEnd = offboardedAt.getTime() + GRACE_HOURS * HOUR_MS;
      await model.db.staff.create({
        email: 'olivia.chen@acme.example',
        name: 'Olivia Chen',
        orgRole: 'accountant',
        offboardedAt,
      });
      await bed.applyAuthorizationCodeConnection('acme', { syncInterval: '24h' });
      const first = await bed.waitForReady('acme', 'True');
      expect(first.status?.findings?.[CHECK] ?? 0).toBe(0);
      expect(Date.parse(first.status!.nextSyncTime!)).toBeLessThanOrEqual(
        graceEnd + AFTER_DEADLINE_MS,
      );

      const second = await eventually(
        async () => {
          const c = await bed.getConnection('acme');
          return c.status?.lastSyncTime !== first.status?.lastSyncTime ? c : undefined;
        },
        150_000,
        'the sync after the grace period',
      );
      expect(Date.parse(second.status!.lastSyncTime!)).toBeGreaterThan(graceEnd);
      expect(second.status?.findings?.[CHECK]).toBe(1);
      const [finding] = (
        await model.db.findings.list({
          connection: { namespace: bed.namespace, name: 'acme' },
          check: CHECK,
          status: 'open',
        })
      ).items;
      expect(finding?.subject.id).toBe(EXAMPLE_IDS.users.oliviaChen);
      // No grace period runs any more: back to the schedule, not a sync loop.
      const wait =
        Date.parse(second.status!.nextSyncTime!) - Date.parse(second.status!.lastSyncTime!);
      expect(wait).toBeGreaterThanOrEqual(GRACE_HOURS * HOUR_MS);
    },
  );
});
