import { EventsV1Api } from '@kubernetes/client-node';
import { DEFAULT_SCOPES } from '@xero-access/xero-client';
import type { Seed } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningReconciler } from '../app/bootstrap.js';
import { condition, until } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';

const SCENARIOS = [
  'rate-limited',
  'invalid-credentials',
  'reauthorization',
  'unauthorized',
  'unauthorized-later',
  'insufficient',
  'disconnected',
  'dropped',
] as const;
type Scenario = (typeof SCENARIOS)[number];

/** The second organisation of the 'dropped' grant, the one later disconnected. */
const DROPPED_SECOND = 'Org dropped second';

/**
 * One organisation and one grant per scenario, so a fault for one leaves the others alone;
 * 'dropped' has a second organisation on its grant.
 */
function seed(): Seed {
  const organisation = (name: string, s: string) => ({
    name,
    users: [
      { email: `a@${s}.example`, firstName: 'A', lastName: s, organisationRole: 'STANDARD' },
      { email: `b@${s}.example`, firstName: 'B', lastName: s, organisationRole: 'READONLY' },
    ],
  });
  return {
    tenants: [
      ...SCENARIOS.map((s) => organisation(`Org ${s}`, s)),
      organisation(DROPPED_SECOND, 'dropped-second'),
    ],
    apps: [{ name: 'Operator' }],
    grants: SCENARIOS.map((s) => ({
      app: 'Operator',
      tenants: s === 'dropped' ? [`Org ${s}`, DROPPED_SECOND] : [`Org ${s}`],
      scopes: [...DEFAULT_SCOPES],
    })),
  } as Seed;
}

describe('each troubleshooting reason, reached from its sandbox fault', () => {
  const bed = useTestBed({ name: 'trouble', sandbox: { seed: seed() } });
  let reconciler: RunningReconciler;
  beforeAll(async () => {
    reconciler = await bed.startReconciler();
  });

  function grantFor(s: Scenario) {
    const tenant = bed.sandbox.tenants.find((t) => t.name === `Org ${s}`)!;
    const grant = bed.sandbox.grants.find((g) => g.tenantIds.includes(tenant.tenantId))!;
    return { tenant, grant };
  }

  async function apply(
    s: Scenario,
    options: { clientSecret?: string; tenantId?: string } = {},
  ): Promise<void> {
    const app = bed.sandbox.apps[0]!;
    const { grant } = grantFor(s);
    await bed.createSecret(`${s}-app`, {
      clientId: app.clientId,
      clientSecret: options.clientSecret ?? app.clientSecret,
    });
    await bed.createSecret(`${s}-tokens`, { refresh_token: grant.refreshToken! });
    await bed.createConnection(s, {
      credentialsSecretRef: { name: `${s}-app` },
      tokenSecretRef: { name: `${s}-tokens` },
      ...(options.tenantId ? { tenantId: options.tenantId } : {}),
    });
  }

  it('RateLimited: says when it retries, and schedules the retry then', async () => {
    // Scoped to its organisation: the 429s it does not use must not reach another scenario.
    bed.sandbox.forceRateLimit('day', 3_600, 3, grantFor('rate-limited').tenant.tenantId);
    await apply('rate-limited');
    const c = await bed.waitForReady('rate-limited', 'False', 'RateLimited');
    const synced = condition(c, 'Synced')!;
    expect(synced).toMatchObject({ status: 'False', reason: 'RateLimited' });
    expect(synced.message).toMatch(/retrying automatically at \d{4}-\d\d-\d\dT/);
    const retryAt = Date.parse(/at (\S+?)\.?$/.exec(synced.message)![1]!);
    expect(Math.abs(Date.parse(c.status!.nextSyncTime!) - retryAt)).toBeLessThan(5_000);
    expect(condition(c, 'Authenticated')?.status).toBe('True');
    const metrics = await (await fetch(`${reconciler.url}/metrics`)).text();
    const counted = /^xao_xero_rate_limited_total\{limit="day"\} (\d+)$/m.exec(metrics);
    expect(counted, 'xao_xero_rate_limited_total{limit="day"} is exported').not.toBeNull();
    expect(Number(counted![1])).toBeGreaterThanOrEqual(1);
  });

  it('InvalidCredentials: tells the user to verify Client ID and Client Secret', async () => {
    await apply('invalid-credentials', { clientSecret: 'not-the-secret' });
    const c = await bed.waitForReady('invalid-credentials', 'False', 'InvalidCredentials');
    expect(condition(c, 'Authenticated')?.message).toContain('verify Client ID and Client Secret');
    expect(JSON.stringify(c.status)).not.toContain('not-the-secret');
  });

  it('ReauthorizationRequired: a revoked grant asks the user to reconnect', async () => {
    bed.sandbox.revokeGrant(grantFor('reauthorization').grant.grantId);
    await apply('reauthorization');
    const c = await bed.waitForReady('reauthorization', 'False', 'ReauthorizationRequired');
    expect(condition(c, 'Authenticated')?.message).toContain('reconnect (authorize again)');
  });

  it('Unauthorized: a 401 with a fresh token asks to re-authenticate the integration', async () => {
    bed.sandbox.setFaults({ unauthorized: true });
    try {
      await apply('unauthorized');
      const c = await bed.waitForReady('unauthorized', 'False', 'Unauthorized');
      expect(condition(c, 'Authenticated')?.message).toContain('re-authenticate the integration');
    } finally {
      bed.sandbox.clearFaults();
    }
  });

  // What `kubectl describe xc` shows: the later conditions must not keep saying True for days.
  it('a failure after a good sync: Synced and PoliciesEvaluated become Unknown, naming the failure and the last sync', async () => {
    await apply('unauthorized-later');
    const good = await bed.waitForReady('unauthorized-later', 'True', 'Ready');
    const lastSyncTime = good.status!.lastSyncTime!;
    expect(condition(good, 'Synced')?.status).toBe('True');
    bed.sandbox.setFaults({ unauthorized: true });
    try {
      await bed.requestSync('unauthorized-later');
      const c = await bed.waitForReady('unauthorized-later', 'False', 'Unauthorized');
      const generation = c.metadata!.generation;
      const failedAt = condition(c, 'Authenticated')!.lastTransitionTime;
      expect(failedAt > lastSyncTime).toBe(true);
      expect(
        c.status!.conditions!.map((x) => [x.type, x.status, x.reason, x.observedGeneration]),
      ).toEqual(
        expect.arrayContaining([
          ['Authenticated', 'False', 'Unauthorized', generation],
          ['Synced', 'Unknown', 'AuthenticationFailed', generation],
          ['PoliciesEvaluated', 'Unknown', 'AuthenticationFailed', generation],
        ]),
      );
      expect(condition(c, 'Synced')).toMatchObject({
        lastTransitionTime: failedAt,
        message: `Users were not synced: Authenticated failed (Unauthorized). Last successful sync: ${lastSyncTime}.`,
      });
      expect(condition(c, 'PoliciesEvaluated')?.lastTransitionTime).toBe(failedAt);
      expect(c.status!.lastSyncTime).toBe(lastSyncTime);
      // The stale-sync alert ages the last successful sync, not the last attempt.
      const metrics = await (await fetch(`${reconciler.url}/metrics`)).text();
      expect(metrics).toContain(
        `xao_connection_last_sync_timestamp_seconds{namespace="${bed.namespace}",name="unauthorized-later"} ${Date.parse(lastSyncTime) / 1000}\n`,
      );
    } finally {
      bed.sandbox.clearFaults();
    }
  });

  it('InsufficientPermissions: names the missing scope and the admin access needed', async () => {
    bed.sandbox.removeScope(grantFor('insufficient').grant.grantId, 'accounting.settings.read');
    await apply('insufficient');
    const c = await bed.waitForReady('insufficient', 'False', 'InsufficientPermissions');
    const message = condition(c, 'Synced')!.message;
    expect(message).toContain('accounting.settings.read');
    expect(message).toContain('admin access');
  });

  it('TenantDisconnected: says the organisation was disconnected', async () => {
    const { tenant } = grantFor('disconnected');
    bed.sandbox.disconnectTenant(tenant.tenantId);
    await apply('disconnected', { tenantId: tenant.tenantId });
    const c = await bed.waitForReady('disconnected', 'False', 'TenantDisconnected');
    expect(condition(c, 'Synced')?.message).toContain('was disconnected');
    expect(condition(c, 'Synced')?.message).toContain(tenant.tenantId);
  });

  it('an organisation that leaves a multi-organisation grant: a Warning Event names it, the status keeps its open findings', async () => {
    await apply('dropped');
    const first = await bed.waitForReady('dropped', 'True', 'Ready');
    expect(first.status?.tenants?.map((t) => t.tenantName).sort()).toEqual([
      'Org dropped',
      DROPPED_SECOND,
    ]);
    const second = bed.sandbox.tenants.find((t) => t.name === DROPPED_SECOND)!;
    bed.sandbox.disconnectTenant(second.tenantId);
    const requested = await bed.requestSync('dropped');
    await until(async () => {
      const c = await bed.getConnection('dropped');
      return (c.status?.lastSyncTime ?? '') >= requested;
    });
    const c = await bed.getConnection('dropped');
    expect(c.status?.tenants?.map((t) => t.tenantName)).toEqual(['Org dropped']);
    const events = bed.kc.makeApiClient(EventsV1Api);
    let notes: string[] = [];
    await until(async () => {
      const list = await events.listNamespacedEvent({
        namespace: bed.namespace,
        fieldSelector: 'regarding.name=dropped',
      });
      notes = list.items.filter((e) => e.reason === 'TenantDisconnected').map((e) => e.note ?? '');
      return notes.length > 0;
    });
    expect(notes).toEqual([
      expect.stringContaining(`${DROPPED_SECOND} (tenant ${second.tenantId})`),
    ]);

    // Its findings stay open, counted, and the status says where they come from.
    const model = await bed.openModel();
    const ref = { namespace: bed.namespace, name: 'dropped' };
    const lastSnapshot = await model.db.snapshots.latest(ref, second.tenantId);
    expect(lastSnapshot?.sequence).toBe(1);
    const kept = (
      await model.db.findings.list({
        connection: ref,
        tenantId: second.tenantId,
        status: 'open',
      })
    ).items;
    expect(kept.map((f) => f.check).sort()).toEqual([
      'critical-system-access-configured',
      'user-identified',
      'user-identified',
    ]);
    expect(c.status?.disconnectedTenants).toEqual([
      {
        tenantId: second.tenantId,
        tenantName: DROPPED_SECOND,
        lastSyncTime: lastSnapshot!.takenAt.toISOString(),
        openFindings: 3,
      },
    ]);
    expect(c.status?.openFindings).toBe(6);
    expect(condition(c, 'PoliciesEvaluated')?.message).toContain(
      '6 open findings. 3 of them in 1 organisation no longer monitored',
    );

    // Once none of them is open (here: each accepted), the list empties at the next reconcile,
    // without waiting for a sync (any change to the resource is one).
    for (const f of kept) {
      await model.db.findings.acceptRisk(f.id, {
        reason: 'organisation closed',
        by: 'auditor@example.test',
      });
    }
    await bed.annotate('dropped', { 'example.test/nudge': 'accepted' });
    await until(async () => {
      const now = await bed.getConnection('dropped');
      return now.status?.disconnectedTenants?.length === 0;
    });
    const after = await bed.getConnection('dropped');
    expect(after.status?.openFindings).toBe(3);
    expect(after.status?.lastSyncTime).toBe(c.status?.lastSyncTime);
    expect(condition(after, 'PoliciesEvaluated')?.message).not.toContain('no longer monitored');
  });
});
