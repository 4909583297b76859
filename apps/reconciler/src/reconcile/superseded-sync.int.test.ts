import { describe, expect, it } from 'vitest';
import { metricValue } from '../test/reconciler-process.js';
import { kubeTappingProxy } from '../test/tapping-proxy.js';
import { useTestBed } from '../test/test-bed.js';
import { SUPERSEDED_SYNC_LOG } from './superseded-sync.js';

describe('a sync whose findings another replica applied a later snapshot of first', () => {
  const bed = useTestBed({ name: 'superseded' });

  it('applies none of its findings and reports no failure', { timeout: 120_000 }, async () => {
    const model = await bed.openModel();
    const ref = { namespace: bed.namespace, name: 'acme' };
    const acme = bed.sandbox.tenants.find((t) => t.name === 'Acme Finance Ltd')!;
    const tenant = { tenantId: acme.tenantId, tenantName: acme.name };
    // The sync reads the namespace's alerts Secret after recording and evaluating its snapshot,
    // just before applying its findings. That read is held while "another replica" records a
    // later snapshot and applies its findings, then fails (the alerts route does without it).
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
    const replica = bed.spawnReconciler(
      bed.env({ identity: 'superseded-1', extra: { KUBECONFIG: kube.kubeconfigPath } }),
    );
    await replica.waitForLog('became leader', 60_000);
    await bed.applyAuthorizationCodeConnection('acme');

    const logged = await replica.waitForLog(SUPERSEDED_SYNC_LOG, 60_000);
    const theirs = await later!;
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
