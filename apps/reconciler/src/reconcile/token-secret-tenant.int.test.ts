import { EventsV1Api } from '@kubernetes/client-node';
import type { ModelOrm } from '@xero-access/model';
import { DEFAULT_SCOPES } from '@xero-access/xero-client';
import type { Seed } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import { condition, until } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';

const ORG_A = '0d000000-0000-4000-8000-00000000000a';
const ORG_B = '0d000000-0000-4000-8000-00000000000b';
const NOT_CONNECTED = '0d000000-0000-4000-8000-0000000000ff';
const SCENARIOS = ['from-secret', 'both', 'malformed', 'unknown'] as const;
type Scenario = (typeof SCENARIOS)[number];

const user = (email: string) => ({
  email,
  firstName: 'A',
  lastName: 'User',
  organisationRole: 'STANDARD' as const,
});

/** Two organisations (2 and 3 users) on every grant: one grant per scenario. */
const seed: Seed = {
  tenants: [
    { tenantId: ORG_A, name: 'Org A', users: [user('a1@a.example'), user('a2@a.example')] },
    {
      tenantId: ORG_B,
      name: 'Org B',
      users: [user('b1@b.example'), user('b2@b.example'), user('b3@b.example')],
    },
  ],
  apps: [{ name: 'Operator' }],
  grants: SCENARIOS.map(() => ({
    app: 'Operator',
    tenants: ['Org A', 'Org B'],
    scopes: [...DEFAULT_SCOPES],
  })),
};

describe("the token Secret's tenant_id (a Mage-style pre-filled token set)", () => {
  const bed = useTestBed({ name: 'tenant-id', sandbox: { seed } });
  let model: ModelOrm;

  beforeAll(async () => {
    model = await bed.openModel();
    await bed.startReconciler();
  });

  async function apply(s: Scenario, tenantId: string, specTenantId?: string): Promise<void> {
    const app = bed.sandbox.apps[0]!;
    await bed.createSecret(`${s}-app`, { clientId: app.clientId, clientSecret: app.clientSecret });
    await bed.createSecret(`${s}-tokens`, {
      refresh_token: bed.sandbox.grants[SCENARIOS.indexOf(s)]!.refreshToken!,
      tenant_id: tenantId,
    });
    await bed.createConnection(s, {
      credentialsSecretRef: { name: `${s}-app` },
      tokenSecretRef: { name: `${s}-tokens` },
      ...(specTenantId ? { tenantId: specTenantId } : {}),
    });
  }

  const readTokens = async (s: Scenario) =>
    (await bed.kube.core.readNamespacedSecret({ namespace: bed.namespace, name: `${s}-tokens` }))
      .data!;
  const text = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString();

  const mismatchEvents = async (name: string) =>
    (
      await bed.kc.makeApiClient(EventsV1Api).listNamespacedEvent({
        namespace: bed.namespace,
        fieldSelector: `regarding.name=${name}`,
      })
    ).items.filter((e) => e.reason === 'TenantIdMismatch');

  it('without spec.tenantId, monitors that organisation only, says so in Synced, and keeps the key through rotations', async () => {
    await apply('from-secret', ORG_B);
    const c = await bed.waitForReady('from-secret', 'True');
    expect(c.status?.tenants).toEqual([expect.objectContaining({ tenantId: ORG_B })]);
    // Nothing in the XeroConnection shows the narrowing: the condition does.
    expect(condition(c, 'Synced')?.message).toContain(
      `The grant reaches 1 more organisation, not monitored: key tenant_id of Secret ${bed.namespace}/from-secret-tokens (spec.tokenSecretRef) selects this one`,
    );
    expect(c.status?.userCount).toBe(3);
    const snapshots = await model.db.snapshots.list({
      namespace: bed.namespace,
      name: 'from-secret',
    });
    expect(snapshots.items.map((s) => s.tenantId)).toEqual([ORG_B]);

    // The sync rotated the refresh token and wrote the set back: tenant_id is still there.
    const stored = await readTokens('from-secret');
    expect(text(stored.refresh_token)).not.toBe(bed.sandbox.grants[0]!.refreshToken);
    expect(text(stored.tenant_id)).toBe(ORG_B);
  });

  it('with both set and different, spec.tenantId wins and a Warning Event says so once', async () => {
    await apply('both', ORG_B, ORG_A);
    const c = await bed.waitForReady('both', 'True');
    expect(c.status?.tenants).toEqual([expect.objectContaining({ tenantId: ORG_A })]);
    expect(c.status?.userCount).toBe(2);

    let events = await mismatchEvents('both');
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('Warning');
    expect(events[0]!.note).toContain(`spec.tenantId ${ORG_A}`);
    expect(events[0]!.note).toContain(
      `key tenant_id of Secret ${bed.namespace}/both-tokens (spec.tokenSecretRef) (${ORG_B})`,
    );
    const stored = await readTokens('both');
    const tokens = [
      text(stored.refresh_token),
      text(stored.access_token),
      bed.sandbox.grants[1]!.refreshToken!,
    ];
    for (const token of tokens) {
      expect(token.length).toBeGreaterThan(8);
      expect(events[0]!.note).not.toContain(token);
    }

    // Another sync with nothing changed: no second Event.
    const requested = Date.parse(await bed.requestSync('both'));
    await until(
      async () =>
        Date.parse((await bed.getConnection('both')).status?.lastSyncTime ?? '') >= requested,
    );
    events = await mismatchEvents('both');
    expect(events).toHaveLength(1);
  });

  it('refuses a tenant_id that is not a GUID as InvalidSpec naming the Secret and key', async () => {
    await apply('malformed', 'Org B');
    const c = await bed.waitForReady('malformed', 'False', 'InvalidSpec');
    const message = condition(c, 'Authenticated')?.message;
    expect(message).toContain(
      `Secret ${bed.namespace}/malformed-tokens (spec.tokenSecretRef): key tenant_id does not hold a Xero tenant ID`,
    );
    expect(message).not.toContain('Org B');
  });

  it('a tenant_id the grant cannot see is TenantDisconnected, naming the key', async () => {
    await apply('unknown', NOT_CONNECTED);
    const c = await bed.waitForReady('unknown', 'False', 'TenantDisconnected');
    expect(condition(c, 'Synced')?.message).toContain(
      `tenant ${NOT_CONNECTED}, from key tenant_id of Secret ${bed.namespace}/unknown-tokens`,
    );
  });
});
