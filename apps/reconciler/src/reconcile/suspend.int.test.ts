import { EventsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { DEFAULT_SCOPES } from '@xero-access/xero-client';
import type { Seed } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningReconciler } from '../app/bootstrap.js';
import { condition, coordinates, eventually, until } from '../test/harness.js';
import { metricValue } from '../test/reconciler-process.js';
import { useTestBed } from '../test/test-bed.js';
import { readTokenSecret } from '../token/token-secret.js';

const CONNECTIONS = ['paused', 'revoked', 'recovering'] as const;
type Name = (typeof CONNECTIONS)[number];

/** One organisation and one grant per connection, so revoking one grant leaves the others alone. */
function seed(): Seed {
  return {
    tenants: CONNECTIONS.map((c) => ({
      name: `Org ${c}`,
      users: [
        { email: `a@${c}.example`, firstName: 'A', lastName: c, organisationRole: 'STANDARD' },
      ],
    })),
    apps: [{ name: 'Operator' }],
    grants: CONNECTIONS.map((c) => ({
      app: 'Operator',
      tenants: [`Org ${c}`],
      scopes: [...DEFAULT_SCOPES],
    })),
  } as Seed;
}

describe('a suspended connection', () => {
  // Access tokens shorter than the 5-minute refresh margin: every use of one refreshes, as at
  // each resync in production once the 30-minute token is close to its end.
  const bed = useTestBed({ name: 'suspend', sandbox: { seed: seed(), accessTokenTtlMs: 120_000 } });
  let reconciler: RunningReconciler;

  beforeAll(async () => {
    reconciler = await bed.startReconciler({ RESYNC_PERIOD: '1s' });
  });

  const metrics = async () => (await fetch(`${reconciler.url}/metrics`)).text();

  function grantFor(name: Name) {
    const tenant = bed.sandbox.tenants.find((t) => t.name === `Org ${name}`)!;
    return bed.sandbox.grants.find((g) => g.tenantIds.includes(tenant.tenantId))!;
  }

  async function apply(name: Name, options: { clientSecret?: string; suspend?: boolean } = {}) {
    const app = bed.sandbox.apps[0]!;
    await bed.createSecret(`${name}-app`, {
      clientId: app.clientId,
      clientSecret: options.clientSecret ?? app.clientSecret,
    });
    await bed.createSecret(`${name}-tokens`, { refresh_token: grantFor(name).refreshToken! });
    await bed.createConnection(name, {
      credentialsSecretRef: { name: `${name}-app` },
      tokenSecretRef: { name: `${name}-tokens` },
      ...(options.suspend ? { suspend: true } : {}),
    });
  }

  const setSuspend = (name: Name, suspend: boolean) =>
    bed.kube.custom.patchNamespacedCustomObject(
      { ...coordinates, namespace: bed.namespace, name, body: { spec: { suspend } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

  async function eventsAbout(name: Name) {
    const events = bed.kc.makeApiClient(EventsV1Api);
    const list = await events.listNamespacedEvent({
      namespace: bed.namespace,
      fieldSelector: `regarding.name=${name}`,
    });
    return list.items;
  }

  it('drops nextSyncTime from the status, and does not rotate the refresh token at every resync', async () => {
    await apply('paused');
    const synced = await bed.waitForReady('paused', 'True');
    expect(synced.status?.nextSyncTime).toBeDefined();
    const before = bed.sandbox.stats();
    const { tokens: stored } = await readTokenSecret(bed.kube.core, bed.namespace, 'paused-tokens');

    await setSuspend('paused', true);
    const suspended = await bed.waitForReady('paused', 'False', 'Suspended');
    expect(suspended.status).not.toHaveProperty('nextSyncTime');
    expect(suspended.status?.lastSyncTime).toBe(synced.status?.lastSyncTime);
    expect(condition(suspended, 'Synced')).toMatchObject({ status: 'False', reason: 'Suspended' });
    expect(condition(suspended, 'Authenticated')).toMatchObject({
      status: 'True',
      reason: 'TokenValid',
    });

    // The resync reconciles it every second; its access token always counts as expiring.
    const reconciles = async () =>
      metricValue(await metrics(), 'xao_reconcile_duration_seconds_count');
    const counted = await reconciles();
    await until(async () => (await reconciles()) >= counted + 3, 20_000);
    const after = bed.sandbox.stats();
    expect(after.tokenCalls.refresh_token).toBe(before.tokenCalls.refresh_token);
    expect(after.refreshRotations).toBe(before.refreshRotations);
    const { tokens } = await readTokenSecret(bed.kube.core, bed.namespace, 'paused-tokens');
    expect(tokens.refreshToken).toBe(stored.refreshToken);
    expect((await bed.getConnection('paused')).status).not.toHaveProperty('nextSyncTime');
    const normal = (await eventsAbout('paused')).filter((e) => e.reason === 'Suspended');
    expect(normal.map((e) => e.type)).toEqual(['Normal']);
  });

  it('whose grant cannot be kept alive: Ready says why instead of Suspended, with a Warning Event and the metric', async () => {
    bed.sandbox.revokeGrant(grantFor('revoked').grantId);
    await apply('revoked', { suspend: true });
    const c = await bed.waitForReady('revoked', 'False', 'ReauthorizationRequired');
    expect(condition(c, 'Authenticated')).toMatchObject({
      status: 'False',
      reason: 'ReauthorizationRequired',
    });
    expect(condition(c, 'Synced')).toMatchObject({ status: 'False', reason: 'Suspended' });
    expect(condition(c, 'Ready')?.message).toMatch(
      /^spec\.suspend is true: syncing is paused, but the tokens could not be kept alive: .*reconnect \(authorize again\)/,
    );
    expect(c.status).not.toHaveProperty('nextSyncTime');

    // Not the Suspended series the chart's not-Ready alert leaves out.
    const series = `namespace="${bed.namespace}",name="revoked"`;
    await until(
      async () =>
        (await metrics()).includes(
          `xao_connection_ready{${series},reason="ReauthorizationRequired"} 0`,
        ),
      10_000,
    );
    expect(await metrics()).not.toContain(`xao_connection_ready{${series},reason="Suspended"}`);
    const warnings = await eventually(async () => {
      const found = (await eventsAbout('revoked')).filter(
        (e) => e.reason === 'ReauthorizationRequired',
      );
      return found.length > 0 ? found : undefined;
    }, 10_000);
    expect(warnings[0]).toMatchObject({ type: 'Warning', action: 'Reconcile' });
    expect(warnings[0]!.note).toContain('spec.suspend is true');
  });

  it('is back to Suspended once the cause is fixed, with a Normal Event', async () => {
    await apply('recovering', { clientSecret: 'not-the-secret', suspend: true });
    await bed.waitForReady('recovering', 'False', 'InvalidCredentials');

    const app = bed.sandbox.apps[0]!;
    await bed.kube.core.replaceNamespacedSecret({
      namespace: bed.namespace,
      name: 'recovering-app',
      body: {
        metadata: { name: 'recovering-app', namespace: bed.namespace },
        stringData: { clientId: app.clientId, clientSecret: app.clientSecret },
      },
    });
    const c = await bed.waitForReady('recovering', 'False', 'Suspended');
    expect(condition(c, 'Authenticated')).toMatchObject({ status: 'True', reason: 'TokenValid' });
    expect(c.status?.refreshTokenRotatedAt).toBeDefined();
    const events = await eventually(async () => {
      const found = (await eventsAbout('recovering')).map((e) => `${e.type} ${e.reason}`);
      return found.includes('Normal Suspended') ? found : undefined;
    }, 10_000);
    expect(events).toContain('Warning InvalidCredentials');
  });
});
