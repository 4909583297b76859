import { EventsV1Api } from '@kubernetes/client-node';
import type { ConnectionRef, ModelOrm } from '@xero-access/model';
import { DEFAULT_SCOPES } from '@xero-access/xero-client';
import type { Seed } from '@xero-access/xero-sandbox';
import { describe, expect, it } from 'vitest';
import { eventually } from '../test/harness.js';
import { metricValue } from '../test/reconciler-process.js';
import { kubeTappingProxy, type KubeTappingProxy } from '../test/tapping-proxy.js';
import { useTestBed, type TestBed } from '../test/test-bed.js';
import { SUPERSEDED_SYNC_LOG } from './superseded-sync.js';

interface LaterSync {
  /** The reconciler's kubeconfig goes through this proxy. */
  kube: KubeTappingProxy;
  /** What "the other replica" applied, once it has. */
  applied(): Promise<{ snapshotId: string; userId: string }> | undefined;
}

/**
 * The sync reads the namespace's alerts Secret after recording and evaluating its snapshots,
 * just before applying their findings. That read is held while "another replica" records a later
 * snapshot of `tenant` and applies its findings, then fails (the alerts route does without it).
 */
async function laterSyncOf(
  bed: TestBed,
  model: ModelOrm,
  ref: ConnectionRef,
  tenant: { tenantId: string; tenantName: string },
): Promise<LaterSync> {
  const alertsSecret = `/namespaces/${bed.namespace}/secrets/xero-access-alerts`;
  let later: Promise<{ snapshotId: string; userId: string }> | undefined;
  const kube = await kubeTappingProxy(bed.kc, (request) => {
    const path = (request.url ?? '').split('?')[0]!;
    if (later || request.method !== 'GET' || !path.endsWith(alertsSecret)) return;
    later = (async () => {
      const own = (await model.db.snapshots.latest(ref, tenant.tenantId))!;
      const users = await model.db.snapshots.users(own.id);
      const s = await model.db.snapshots.record(ref, tenant, users, new Date());
      await model.db.findings.apply(ref, s.id, [
        {
          check: 'user-identified',
          severity: 'medium',
          subject: { kind: 'user', id: users[0]!.userId },
          message: 'applied by the other replica',
        },
      ]);
      return { snapshotId: s.id, userId: users[0]!.userId };
    })();
    // The alerts Secret is read (it is absent) once the other replica has applied.
    return later;
  });
  bed.onStop(() => kube.close());
  return { kube, applied: () => later };
}

describe('a sync whose findings another replica applied a later snapshot of first', () => {
  const bed = useTestBed({ name: 'superseded' });

  it('applies none of its findings and reports no failure', { timeout: 120_000 }, async () => {
    const model = await bed.openModel();
    const ref = { namespace: bed.namespace, name: 'acme' };
    const acme = bed.sandbox.tenants.find((t) => t.name === 'Acme Finance Ltd')!;
    const tenant = { tenantId: acme.tenantId, tenantName: acme.name };
    const { kube, applied } = await laterSyncOf(bed, model, ref, tenant);
    const replica = bed.spawnReconciler(
      bed.env({ identity: 'superseded-1', extra: { KUBECONFIG: kube.kubeconfigPath } }),
    );
    await replica.waitForLog('became leader', 60_000);
    await bed.applyAuthorizationCodeConnection('acme');

    const logged = await replica.waitForLog(SUPERSEDED_SYNC_LOG, 60_000);
    const theirs = await applied()!;
    expect(logged).toMatchObject({
      level: 'warn',
      connection: `${bed.namespace}/acme`,
      refused: [
        `snapshot 1 of ${bed.namespace}/acme tenant ${acme.tenantId} is older than snapshot 2, whose findings are applied already: its evaluation is stale and was not applied`,
      ],
    });
    // Not an error: no failure logged or counted, no Ready=False written, no retry with backoff.
    // (This test's "other replica" writes no status, so the next reconcile, set off by the
    // watch, syncs once more as for a new connection; a real leader's status prevents that.)
    const ready = await bed.waitForReady('acme', 'True', undefined, 30_000);
    expect(ready.status?.conditions?.every((c) => c.status === 'True')).toBe(true);
    expect(replica.logs.filter((l) => l.msg === 'reconcile failed')).toEqual([]);
    expect(metricValue(await replica.metrics(), 'xao_reconcile_errors_total')).toBe(0);
    // Nothing of the superseded sync's evaluation was applied.
    const own = (await model.db.snapshots.list(ref)).items.find((s) => s.sequence === 1)!;
    const findings = (await model.db.findings.list({ connection: ref }, { limit: 500 })).items;
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.filter((f) => f.snapshotId === own.id)).toEqual([]);
    for (const f of findings)
      expect((await model.db.findings.history(f.id)).map((e) => e.snapshotId)).not.toContain(
        own.id,
      );
    // The other replica's finding stands, opened by its snapshot.
    const opened = findings.find((f) => f.subject.id === theirs.userId)!;
    expect((await model.db.findings.history(opened.id))[0]).toMatchObject({
      type: 'opened',
      snapshotId: theirs.snapshotId,
    });
  });
});

/** One grant reaching two organisations, each with two users nobody identified. */
const TWO_ORGANISATIONS: Seed = {
  tenants: ['Refused Ltd', 'Applied Ltd'].map((name) => ({
    name,
    users: ['a', 'b'].map((first) => ({
      email: `${first}@${name.replace(' ', '-').toLowerCase()}.example`,
      firstName: first.toUpperCase(),
      lastName: name,
      organisationRole: 'STANDARD',
    })),
  })),
  apps: [{ name: 'Operator' }],
  grants: [
    { app: 'Operator', tenants: ['Refused Ltd', 'Applied Ltd'], scopes: [...DEFAULT_SCOPES] },
  ],
};

describe('a superseded sync whose findings were refused for one organisation and applied for another', () => {
  const bed = useTestBed({ name: 'superseded-two', sandbox: { seed: TWO_ORGANISATIONS } });

  it('records the Events of the organisation it applied', { timeout: 120_000 }, async () => {
    const model = await bed.openModel();
    const ref = { namespace: bed.namespace, name: 'practice' };
    const tenantNamed = (name: string) => bed.sandbox.tenants.find((t) => t.name === name)!;
    const refused = tenantNamed('Refused Ltd');
    const appliedTenant = tenantNamed('Applied Ltd');
    const { kube } = await laterSyncOf(bed, model, ref, {
      tenantId: refused.tenantId,
      tenantName: refused.name,
    });
    const app = bed.sandbox.apps[0]!;
    await bed.createSecret('practice-app', {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
    });
    await bed.createSecret('practice-tokens', {
      refresh_token: bed.sandbox.grants[0]!.refreshToken!,
    });
    const replica = bed.spawnReconciler(
      bed.env({ identity: 'superseded-2', extra: { KUBECONFIG: kube.kubeconfigPath } }),
    );
    await replica.waitForLog('became leader', 60_000);
    await bed.createConnection('practice', {
      credentialsSecretRef: { name: 'practice-app' },
      tokenSecretRef: { name: 'practice-tokens' },
    });

    const logged = await replica.waitForLog(SUPERSEDED_SYNC_LOG, 60_000);
    expect(logged.refused).toEqual([
      expect.stringContaining(`tenant ${refused.tenantId} is older than snapshot 2`),
    ]);
    // The applied organisation's findings were opened by the superseded sync's snapshot, its first.
    const snapshots = (await model.db.snapshots.list(ref)).items;
    const first = (tenantId: string) =>
      snapshots.find((s) => s.tenantId === tenantId && s.sequence === 1)!;
    const appliedFindings = (
      await model.db.findings.list(
        { connection: ref, tenantId: appliedTenant.tenantId },
        { limit: 500 },
      )
    ).items;
    expect(appliedFindings.map((f) => f.check).sort()).toEqual([
      'critical-system-access-configured',
      'user-identified',
      'user-identified',
    ]);
    const appliedUsers = appliedFindings
      .filter((f) => f.subject.kind === 'user')
      .map((f) => f.subject.id);
    for (const f of appliedFindings)
      expect((await model.db.findings.history(f.id))[0]).toMatchObject({
        type: 'opened',
        snapshotId: first(appliedTenant.tenantId).id,
      });
    const refusedUsers = (await model.db.snapshots.users(first(refused.tenantId).id)).map(
      (u) => u.userId,
    );
    expect(refusedUsers).toHaveLength(2);

    // Their FindingsOpened Event, naming them and nothing of the refused organisation.
    const eventsApi = bed.kc.makeApiClient(EventsV1Api);
    const note = await eventually(
      async () => {
        const events = await eventsApi.listNamespacedEvent({
          namespace: bed.namespace,
          fieldSelector: 'regarding.name=practice',
        });
        return events.items.find(
          (e) => e.reason === 'FindingsOpened' && appliedUsers.some((id) => e.note?.includes(id)),
        )?.note;
      },
      30_000,
      "a FindingsOpened Event naming the applied organisation's findings",
    );
    expect(note).toMatch(/^3 finding\(s\): /);
    for (const f of appliedFindings)
      expect(note).toContain(`${f.check} ${f.subject.kind} ${f.subject.id}`);
    for (const id of refusedUsers) expect(note).not.toContain(id);
  });
});
