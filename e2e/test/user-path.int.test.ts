import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { findTool, repoRoot } from '@xero-access/local-cluster';
import { condition, startStack, waitAllReady, type Stack } from '@xero-access/stack';
import { createTestDatabase, uniqueName, type TestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Finding {
  id: string;
  connection: { namespace: string; name: string };
  check: string;
  subject: { kind: string; id: string };
  status: string;
}

const IDS = {
  jackTaylor: '11111111-1111-4111-8111-000000000006',
  emmaBrown: '11111111-1111-4111-8111-000000000005',
  noahWilliams: '11111111-1111-4111-8111-000000000004',
  liamPatel: '11111111-1111-4111-8111-000000000002',
};

/** The user's path: apply examples → Ready → findings → offboard via SCIM → finding → remove in Xero → resolved. */
describe('end to end, every part a real process', () => {
  let stack: Stack;
  let db: TestDatabase;

  const openFindings = async (connection: string) => {
    const page = await stack.admin.request<{ items: Finding[] }>(
      'GET',
      `/findings?status=open&limit=200`,
    );
    return page.items
      .filter((f) => `${f.connection.namespace}/${f.connection.name}` === connection)
      .map((f) => `${f.check} ${f.subject.id}`)
      .sort();
  };
  const requestSync = async (name: string) => {
    await stack.kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
      {
        group: 'xeroaccess.dev',
        version: 'v1alpha1',
        plural: 'xeroconnections',
        namespace: 'finance',
        name,
        body: {
          metadata: {
            annotations: { 'xeroaccess.dev/sync-requested-at': new Date().toISOString() },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  };

  beforeAll(async () => {
    db = await createTestDatabase('e2e');
    // A control plane of its own: the XeroConnections of other suites must not reach this reconciler.
    stack = await startStack({
      dir: join(repoRoot(), '.local', uniqueName('e2e')),
      databaseUrl: db.url,
      reconcilerEnv: { OFFBOARDING_GRACE_HOURS: '0' },
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('brings every example XeroConnection to Ready, and kubectl shows it', async () => {
    const connections = await waitAllReady(stack.kc, 90_000);
    const acme = connections.find((c) => c.metadata.name === 'acme')!;
    expect(condition(acme, 'Ready')?.status).toBe('True');
    expect(acme.status?.userCount).toBe(8); // nine users, one REMOVED
    const table = execFileSync(
      findTool('kubectl'),
      ['--kubeconfig', stack.kubeconfig, 'get', 'xc', '-n', 'finance'],
      { encoding: 'utf8' },
    );
    expect(table).toMatch(/acme\s+True\s+Acme Finance Ltd\s+8\s+3/);
    expect(table).toMatch(/globex\s+True\s+Acme Payments Pty Ltd\s+3\s+2/);
  });

  it('lists the findings expected for the example organisations', async () => {
    expect(await openFindings('finance/acme')).toEqual(
      [
        `critical-system-access-valid ${IDS.noahWilliams}`,
        `offboarded-access-removed ${IDS.emmaBrown}`,
        `user-identified ${IDS.jackTaylor}`,
      ].sort(),
    );
    expect(await openFindings('finance/globex')).toHaveLength(2);
  });

  it("keeps a leaver's finding open when the identity provider deletes them and gives their externalId to a new hire", async () => {
    const emmaFinding = async () => {
      const page = await stack.admin.request<{ items: (Finding & { lastSeenAt: string })[] }>(
        'GET',
        `/findings?check=offboarded-access-removed&limit=200`,
      );
      return page.items.find((f) => f.subject.id === IDS.emmaBrown);
    };
    const scimJson = 'application/scim+json';
    const found = await stack.scim.request<{ Resources: { id: string }[] }>(
      'GET',
      `/scim/v2/Users?filter=${encodeURIComponent('userName eq "emma.brown@acme.example"')}`,
    );
    const emma = found.Resources[0]!.id;
    await stack.scim.request(
      'PATCH',
      `/scim/v2/Users/${emma}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'externalId', value: 'ebrown' }],
      },
      scimJson,
    );
    await stack.admin.putLink(IDS.emmaBrown, { staffId: emma });
    await stack.scim.request('DELETE', `/scim/v2/Users/${emma}`);
    const hire = await stack.scim.request<{ id: string }>(
      'POST',
      '/scim/v2/Users',
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'emma.brown2@acme.example',
        externalId: 'ebrown',
        displayName: 'Emma Brown',
        roles: [{ value: 'accountant', primary: true }],
      },
      scimJson,
    );
    expect(hire.id).not.toBe(emma);
    const hiredAt = Date.now();
    await requestSync('acme');
    // Evaluated again after the new hire arrived, and still reported.
    await expect
      .poll(
        async () => {
          const finding = await emmaFinding();
          return finding && Date.parse(finding.lastSeenAt) > hiredAt ? finding.status : 'waiting';
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe('open');
  });

  it('opens a finding when someone is offboarded through SCIM, and resolves it when their Xero user is removed', async () => {
    const scim = await stack.scim.request<{ Resources: { id: string }[] }>(
      'GET',
      `/scim/v2/Users?filter=${encodeURIComponent('userName eq "liam.patel@acme.example"')}`,
    );
    const id = scim.Resources[0]!.id;
    await stack.scim.request(
      'PATCH',
      `/scim/v2/Users/${id}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      },
      'application/scim+json',
    );
    await expect
      .poll(() => openFindings('finance/acme'), { timeout: 30_000, interval: 500 })
      .toContain(`offboarded-access-removed ${IDS.liamPatel}`);

    await fetch(
      `${stack.sandbox.adminUrl}/tenants/7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01/users/${IDS.liamPatel}`,
      { method: 'DELETE' },
    ).then((r) => {
      if (!r.ok) throw new Error(`sandbox: ${r.status}`);
    });
    await requestSync('acme');
    await expect
      .poll(() => openFindings('finance/acme'), { timeout: 30_000, interval: 500 })
      .not.toContain(`offboarded-access-removed ${IDS.liamPatel}`);
  });
});
