import type { ModelOrm } from '@xero-access/model';
import { DEFAULT_SCOPES } from '@xero-access/xero-client';
import type { Seed } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import { condition } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';
import type { ConnectionReconciler } from './connection-reconciler.js';

const organisation = (name: string) => ({
  name,
  users: [
    { email: `a@${name}.example`, firstName: 'A', lastName: name, organisationRole: 'STANDARD' },
    { email: `b@${name}.example`, firstName: 'B', lastName: name, organisationRole: 'READONLY' },
  ],
});

const SEED = {
  tenants: [organisation('emptied'), organisation('healthy')],
  apps: [{ name: 'Operator' }],
  grants: [{ app: 'Operator', tenants: ['emptied', 'healthy'], scopes: [...DEFAULT_SCOPES] }],
} as Seed;

/**
 * Every Xero organisation has its subscriber: GET Users answering an empty list is a fault, and
 * recorded it would show every user gone and close their findings as remediated.
 */
describe('an organisation whose GET Users answers an empty list', () => {
  const bed = useTestBed({ name: 'empty-users', sandbox: { seed: SEED } });
  let model: ModelOrm;
  let reconciler: ConnectionReconciler;
  beforeAll(async () => {
    reconciler = await bed.startManualReconciler({ SYNC_JITTER: '0' });
    model = await bed.openModel();
  });

  it(
    'fails that organisation: its last snapshot and open findings stay, the status says why',
    { timeout: 60_000 },
    async () => {
      const tenant = (name: string) => bed.sandbox.tenants.find((t) => t.name === name)!;
      const emptied = tenant('emptied');
      const healthy = tenant('healthy');
      const ref = { namespace: bed.namespace, name: 'acme' };
      const latest = (t: { tenantId: string }) => model.db.snapshots.latest(ref, t.tenantId);
      const openFindings = async (t: { tenantId: string }) =>
        (
          await model.db.findings.list({ connection: ref, tenantId: t.tenantId, status: 'open' })
        ).items
          .map((f) => `${f.check} ${f.subject.id}`)
          .sort();

      await bed.connectGrant('acme');
      await reconciler.reconcile(`${bed.namespace}/acme`);
      const recorded = await latest(emptied);
      expect(recorded?.activeUserCount).toBe(2);
      const findings = await openFindings(emptied);
      expect(findings.length).toBeGreaterThan(0);

      for (const user of bed.sandbox.listUsers(emptied.tenantId))
        bed.sandbox.removeUser(emptied.tenantId, user.userId, { hard: true });
      await bed.requestSync('acme');
      await reconciler.reconcile(`${bed.namespace}/acme`);

      expect((await latest(emptied))?.id).toBe(recorded!.id);
      expect(await openFindings(emptied)).toEqual(findings);
      expect((await latest(healthy))?.sequence).toBe(2);
      const c = await bed.getConnection('acme');
      const synced = condition(c, 'Synced')!;
      expect(synced).toMatchObject({ status: 'False', reason: 'PartiallySynced' });
      expect(synced.message).toContain(
        `emptied (tenant ${emptied.tenantId}): InvalidResponse: Xero's response to GET Users is not valid: Users is empty`,
      );
      expect(c.status!.tenants!.find((t) => t.tenantId === emptied.tenantId)).toMatchObject({
        syncFailure: { reason: 'InvalidResponse' },
      });
    },
  );
});
