import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { FindingRecord, ModelOrm } from '@xero-access/model';
import { BUILT_POLICY_BUNDLE } from '@xero-access/policies';
import { EXAMPLE_IDS } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedAcmeStaff } from '../test/acme-staff.js';
import { coordinates, eventually } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';

const CHECK = 'critical-system-access-valid';
const { version: POLICIES_VERSION } = createRequire(import.meta.url)(
  '@xero-access/policies/package.json',
) as { version: string };

describe('the note of a resolved finding says whether access was removed or the settings changed', () => {
  const bed = useTestBed({ name: 'why' });
  let model: ModelOrm;

  beforeAll(async () => {
    model = await bed.openModel();
    await seedAcmeStaff(model);
    await bed.startReconciler({ OFFBOARDING_GRACE_HOURS: '36' });
  });

  it(
    'a user removed in Xero is remediated; widened role mappings name the bundle and the generation',
    { timeout: 120_000 },
    async () => {
      const ref = { namespace: bed.namespace, name: 'acme' };
      // Accountants may hold READONLY only: Olivia and Liam (STANDARD) and Noah (INVOICEONLY) may not.
      await bed.applyAuthorizationCodeConnection('acme', {
        criticalSystem: true,
        accessControl: { roleMappings: [{ orgRole: 'accountant', xeroRoles: ['READONLY'] }] },
      });
      const first = await bed.waitForReady('acme', 'True');
      expect(first.status?.findings?.[CHECK]).toBe(3);
      const finding = async (userId: string): Promise<FindingRecord> => {
        const page = await model.db.findings.list({
          connection: ref,
          check: CHECK,
          subjectId: userId,
        });
        return page.items[0]!;
      };
      const resolvedNote = async (userId: string) => {
        const f = await eventually(
          async () => {
            const found = await finding(userId);
            return found.status === 'resolved' ? found : undefined;
          },
          60_000,
          `the finding of ${userId} to resolve`,
        );
        const event = (await model.db.findings.history(f.id)).at(-1)!;
        expect(event.type).toBe('resolved');
        const snapshot = await model.db.snapshots.get(event.snapshotId!);
        return { note: event.note, sequence: snapshot!.sequence };
      };

      // Liam's access is removed in Xero.
      bed.sandbox.removeUser(EXAMPLE_IDS.acmeTenantId, EXAMPLE_IDS.users.liamPatel);
      await bed.requestSync('acme');
      const liam = await resolvedNote(EXAMPLE_IDS.users.liamPatel);
      expect(liam.note).toBe(
        `remediated: the user's access was removed in snapshot ${liam.sequence}`,
      );
      expect((await finding(EXAMPLE_IDS.users.oliviaChen)).status).toBe('open');

      // The mappings are widened: Olivia and Noah keep their roles, and their findings resolve.
      await bed.kube.custom.patchNamespacedCustomObject(
        {
          ...coordinates,
          namespace: bed.namespace,
          name: 'acme',
          body: {
            spec: {
              accessControl: {
                roleMappings: [
                  { orgRole: 'accountant', xeroRoles: ['READONLY', 'STANDARD', 'INVOICEONLY'] },
                ],
              },
            },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const generation = (await bed.getConnection('acme')).metadata!.generation!;
      expect(generation).toBeGreaterThan(first.metadata!.generation!);
      const sha256 = createHash('sha256')
        .update(await readFile(BUILT_POLICY_BUNDLE))
        .digest('hex');
      const under =
        `policy bundle ${POLICIES_VERSION} (sha256 ${sha256.slice(0, 12)}), ` +
        `connection generation ${generation}, offboarding grace 36h`;
      for (const [userId, role] of [
        [EXAMPLE_IDS.users.oliviaChen, 'STANDARD'],
        [EXAMPLE_IDS.users.noahWilliams, 'INVOICEONLY'],
      ] as const) {
        const { note, sequence } = await resolvedNote(userId);
        expect(note).toBe(
          `access unchanged: the user still holds ${role} in snapshot ${sequence}; the check no ` +
            `longer reports it under ${under}: a change of policy, settings, staff or account ` +
            'links, not remediation',
        );
      }
    },
  );
});
