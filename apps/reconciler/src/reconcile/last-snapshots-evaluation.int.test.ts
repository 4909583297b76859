import { EventsV1Api } from '@kubernetes/client-node';
import type { ModelOrm } from '@xero-access/model';
import { DEFAULT_SCOPES } from '@xero-access/xero-client';
import type { Seed } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import { condition, eventually } from '../test/harness.js';
import { GRACE_HOURS, HOUR_MS, HR_FEED as by, OFFBOARDED, seededMember } from '../test/leavers.js';
import { useTestBed } from '../test/test-bed.js';
import type { ConnectionReconciler } from './connection-reconciler.js';

const member = (email: string) => seededMember(email, 'Solo');

const SEED = {
  tenants: [
    {
      name: 'solo',
      users: ['first@solo.example', 'second@solo.example', 'soon@solo.example'].map(member),
    },
  ],
  apps: [{ name: 'Operator' }],
  grants: [{ app: 'Operator', tenants: ['solo'], scopes: [...DEFAULT_SCOPES] }],
} as Seed;

describe('members offboarded while no organisation of the connection can be synced', () => {
  const bed = useTestBed({ name: 'no-sync-leavers', sandbox: { seed: SEED } });
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
    'are matched against the last snapshot when every organisation fails and when authentication fails: the findings open, nothing is resolved, the status counts them and the grace end brings the retry',
    { timeout: 90_000 },
    async () => {
      const solo = bed.sandbox.tenants[0]!;
      const userId = (email: string) =>
        bed.sandbox.listUsers(solo.tenantId).find((u) => u.email === email)!.userId;
      const ref = { namespace: bed.namespace, name: 'solo' };
      const key = `${bed.namespace}/solo`;
      const open = async () =>
        (await model.db.findings.list({ connection: ref, status: 'open' })).items
          .map((f) => `${f.check} ${f.subject.id} ${f.snapshotId}`)
          .sort();
      const staff = async (email: string) =>
        model.db.staff.create({ email, name: email, orgRole: 'accountant' });
      const offboard = (id: string, hoursAgo: number) =>
        model.db.staff.update(id, { offboardedAt: new Date(Date.now() - hoursAgo * HOUR_MS) }, by);
      const first = await staff('first@solo.example');
      const second = await staff('second@solo.example');
      const soon = await staff('soon@solo.example');
      await bed.connectGrant('solo', { syncInterval: '1h' });

      // A good sync: everyone is in the directory, so only the connection-level finding is open.
      await reconciler.reconcile(key);
      expect(condition(await bed.getConnection('solo'), 'Synced')?.status).toBe('True');
      const last = (await model.db.snapshots.latest(ref, solo.tenantId))!;
      const before = await open();
      expect(before).toEqual([`critical-system-access-configured ${key} ${last.id}`]);

      // The only organisation has spent its day limit (Retry-After an hour); HR offboards one
      // member past the grace period and another within it (ending in 10 minutes).
      bed.sandbox.forceRateLimit('day', 3_600, 3, solo.tenantId);
      await offboard(first.id, GRACE_HOURS + 1);
      const soonOffboardedAt = new Date(Date.now() - GRACE_HOURS * HOUR_MS + 10 * 60_000);
      await model.db.staff.update(soon.id, { offboardedAt: soonOffboardedAt }, by);
      await bed.requestSync('solo');
      const failed = await reconciler.reconcile(key);

      expect((await model.db.snapshots.latest(ref, solo.tenantId))?.id).toBe(last.id);
      expect(await open()).toEqual(
        [...before, `${OFFBOARDED} ${userId('first@solo.example')} ${last.id}`].sort(),
      );
      let c = await bed.getConnection('solo');
      expect(condition(c, 'Synced')).toMatchObject({ status: 'False', reason: 'RateLimited' });
      expect(condition(c, 'PoliciesEvaluated')).toMatchObject({ status: 'Unknown' });
      expect(condition(c, 'PoliciesEvaluated')?.message).toMatch(
        /^The access checks ran on the last snapshots only, against today's staff directory and links: 2 open findings\. Synced failed \(RateLimited\)\. Last successful sync: /,
      );
      expect(c.status?.findings?.[OFFBOARDED]).toBe(1);
      expect(c.status?.openFindings).toBe(2);
      // The other member's grace period ends in 10 minutes: the retry comes then, not at the
      // rate limit's end an hour away.
      const graceEndMs = soonOffboardedAt.getTime() + GRACE_HOURS * HOUR_MS - Date.now();
      expect(failed.requeueAfterMs).toBeLessThanOrEqual(graceEndMs + 1_000);
      expect(failed.requeueAfterMs).toBeGreaterThan(graceEndMs - 60_000);
      const eventsApi = bed.kc.makeApiClient(EventsV1Api);
      const note = await eventually(
        async () =>
          (
            await eventsApi.listNamespacedEvent({
              namespace: bed.namespace,
              fieldSelector: 'regarding.name=solo',
            })
          ).items.find((e) => e.reason === 'FindingsOpened' && e.note?.includes(OFFBOARDED))?.note,
        30_000,
        'a FindingsOpened Event for the offboarded member',
      );
      expect(note).toContain(userId('first@solo.example'));

      // Then the grant is revoked: authentication fails, and the next leaver is found all the same.
      const { grantId } = bed.sandbox.grants[0]!;
      bed.sandbox.revokeGrant(grantId);
      bed.sandbox.expireAccessTokens(grantId);
      await offboard(second.id, GRACE_HOURS + 1);
      await bed.requestSync('solo');
      await reconciler.reconcile(key);

      expect(await open()).toEqual(
        [
          ...before,
          `${OFFBOARDED} ${userId('first@solo.example')} ${last.id}`,
          `${OFFBOARDED} ${userId('second@solo.example')} ${last.id}`,
        ].sort(),
      );
      c = await bed.getConnection('solo');
      expect(condition(c, 'Authenticated')).toMatchObject({
        status: 'False',
        reason: 'ReauthorizationRequired',
      });
      expect(c.status?.findings?.[OFFBOARDED]).toBe(2);
    },
  );
});
