import type { ModelOrm } from '@xero-access/model';
import { DEFAULT_SCOPES } from '@xero-access/xero-client';
import type { Seed } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import { condition } from '../test/harness.js';
import { GRACE_HOURS, HOUR_MS, HR_FEED as by, OFFBOARDED, seededMember } from '../test/leavers.js';
import { useTestBed } from '../test/test-bed.js';
import type { ConnectionReconciler } from './connection-reconciler.js';
import { AFTER_DEADLINE_MS } from './next-sync.js';

const user = (email: string) => seededMember(email, 'Failing');

/** One grant reaching two organisations; the one that will fail lists the people who leave. */
const SEED = {
  tenants: [
    {
      name: 'leavers-failing',
      users: [
        user('leaver@failing.example'),
        user('soon@failing.example'),
        user('stranger@failing.example'),
      ],
    },
    { name: 'leavers-healthy', users: [user('a@healthy.example')] },
  ],
  apps: [{ name: 'Operator' }],
  grants: [
    {
      app: 'Operator',
      tenants: ['leavers-failing', 'leavers-healthy'],
      scopes: [...DEFAULT_SCOPES],
    },
  ],
} as Seed;

describe('members offboarded while an organisation fails to sync', () => {
  const bed = useTestBed({ name: 'partial-leavers', sandbox: { seed: SEED } });
  let model: ModelOrm;
  let reconciler: ConnectionReconciler;
  beforeAll(async () => {
    reconciler = await bed.startManualReconciler({
      SYNC_JITTER: '0',
      OFFBOARDING_GRACE_HOURS: String(GRACE_HOURS),
    });
    model = await bed.openModel();
  });

  it(
    "are matched against its last snapshot: the finding opens for that snapshot, nothing of it is resolved, the grace period's end brings the next sync, and the status stays PartiallySynced",
    { timeout: 60_000 },
    async () => {
      const failing = bed.sandbox.tenants.find((t) => t.name === 'leavers-failing')!;
      const healthy = bed.sandbox.tenants.find((t) => t.name === 'leavers-healthy')!;
      const userId = (email: string) =>
        bed.sandbox.listUsers(failing.tenantId).find((u) => u.email === email)!.userId;
      const ref = { namespace: bed.namespace, name: 'leavers' };
      const key = `${bed.namespace}/leavers`;
      const openIn = async (tenantId: string) =>
        (await model.db.findings.list({ connection: ref, tenantId, status: 'open' })).items;
      const leaver = await model.db.staff.create({
        email: 'leaver@failing.example',
        name: 'Leaver',
        orgRole: 'accountant',
      });
      const soon = await model.db.staff.create({
        email: 'soon@failing.example',
        name: 'Soon',
        orgRole: 'accountant',
      });
      await bed.connectGrant('leavers', { syncInterval: '1h' });

      // A good sync of both: everyone in the failing organisation is active but the stranger.
      await reconciler.reconcile(key);
      expect(condition(await bed.getConnection('leavers'), 'Synced')?.status).toBe('True');
      const last = (await model.db.snapshots.latest(ref, failing.tenantId))!;
      expect(last.sequence).toBe(1);
      const before = await openIn(failing.tenantId);
      expect(before.map((f) => [f.check, f.subject.id]).sort()).toEqual([
        ['critical-system-access-configured', ref.namespace + '/' + ref.name],
        ['user-identified', userId('stranger@failing.example')],
      ]);

      // From here that organisation answers 403. Meanwhile HR offboards the leaver past the grace
      // period and the other one within it, and the stranger joins the directory.
      bed.sandbox.setFaults({ forbidden: [{ tenantId: failing.tenantId, endpoint: 'Users' }] });
      const now = Date.now();
      await model.db.staff.update(
        leaver.id,
        { offboardedAt: new Date(now - (GRACE_HOURS + 1) * HOUR_MS) },
        by,
      );
      const soonOffboardedAt = new Date(now - GRACE_HOURS * HOUR_MS + 10 * 60_000);
      await model.db.staff.update(soon.id, { offboardedAt: soonOffboardedAt }, by);
      await model.db.staff.create({
        email: 'stranger@failing.example',
        name: 'Stranger',
        orgRole: 'accountant',
      });
      // As the admin API does after a staff change.
      await bed.requestSync('leavers');
      const result = await reconciler.reconcile(key);

      // No new snapshot of the failing organisation; the healthy one has its second.
      expect((await model.db.snapshots.latest(ref, failing.tenantId))?.id).toBe(last.id);
      expect((await model.db.snapshots.latest(ref, healthy.tenantId))?.sequence).toBe(2);
      // The leaver's access, as that snapshot shows it, is a finding of that snapshot. The stranger's
      // finding stays open: a snapshot not fetched now resolves nothing.
      const after = await openIn(failing.tenantId);
      expect(after.map((f) => [f.check, f.subject.id, f.snapshotId]).sort()).toEqual([
        ['critical-system-access-configured', ref.namespace + '/' + ref.name, last.id],
        [OFFBOARDED, userId('leaver@failing.example'), last.id],
        ['user-identified', userId('stranger@failing.example'), last.id],
      ]);
      const finding = after.find((f) => f.check === OFFBOARDED)!;
      expect(finding.severity).toBe('high');
      const history = await model.db.findings.history(finding.id);
      expect(history.map((e) => [e.type, e.snapshotId])).toEqual([['opened', last.id]]);

      // The status says the organisation is not synced, and counts the finding.
      const c = await bed.getConnection('leavers');
      expect(condition(c, 'Synced')).toMatchObject({ status: 'False', reason: 'PartiallySynced' });
      expect(condition(c, 'Ready')).toMatchObject({ status: 'False', reason: 'PartiallySynced' });
      expect(condition(c, 'Synced')?.message).toContain('Synced 1 of 2 organisations');
      expect(c.status?.findings?.[OFFBOARDED]).toBe(1);
      const failed = c.status!.tenants!.find((t) => t.tenantId === failing.tenantId);
      expect(failed?.syncFailure?.reason).toBe('InsufficientPermissions');

      // The other leaver's grace period, running in the failing organisation's last snapshot,
      // ends in 10 minutes: the regular sync comes just after it, not in an hour.
      const graceEnd = soonOffboardedAt.getTime() + GRACE_HOURS * HOUR_MS;
      expect(result.requeueAt!.getTime()).toBeLessThanOrEqual(graceEnd + AFTER_DEADLINE_MS);
      expect(result.requeueAt!.getTime()).toBeGreaterThan(graceEnd - 60_000);
    },
  );
});
