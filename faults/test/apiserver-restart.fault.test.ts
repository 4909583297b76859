import { isAlive } from '@xero-access/local-cluster';
import { condition } from '@xero-access/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiserverAgain, stopApiserver } from '../src/apiserver-restart.js';
import { evidenceViaAdminApi, expectNothingLost } from '../src/evidence.js';
import { startFaultStack, type FaultStack } from '../src/fault-stack.js';
import { faultCommand, recordFaultResult } from '../src/record.js';
import { SandboxAdmin } from '../src/sandbox-admin.js';
import { getXeroConnection, patchXeroConnection, readyOf } from '../src/xero-connections.js';

const ACME_TENANT = '7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01';
const LIAM_PATEL = '11111111-1111-4111-8111-000000000002';
const OUTAGE_MS = 15_000;

/** kube-apiserver goes away and comes back on the same port: the reconciler's watch must resume. */
describe('kube-apiserver restart', () => {
  let fs: FaultStack;

  beforeAll(async () => {
    fs = await startFaultStack('apiserver');
  });
  afterAll(async () => {
    await fs?.stack.stop();
  });

  it('resumes watching: a change made right after the restart, and one made in Xero during the outage, are reconciled', async () => {
    const { stack } = fs;
    expect((await getXeroConnection(stack.kc, 'finance', 'acme')).status?.userCount).toBe(8);
    const reconcilerPid = stack.processes.reconciler.pid;
    const before = await evidenceViaAdminApi(stack.kc, stack.admin);

    const argv = await stopApiserver(fs.clusterDir);
    const outageStarted = Date.now();
    // Xero changes while the cluster is unreachable: a leaver is removed.
    await new SandboxAdmin(stack.sandbox.adminUrl).removeUser(ACME_TENANT, LIAM_PATEL);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    expect(isAlive(stack.processes.reconciler.pid)).toBe(true);
    await startApiserverAgain(fs.clusterDir, argv);
    const outageSeconds = (Date.now() - outageStarted) / 1000;
    console.log(`apiserver outage: ${outageSeconds.toFixed(1)} s`);

    // The spec change reaches the reconciler only through a resumed (or re-established) watch.
    const changedAt = Date.now();
    await patchXeroConnection(stack.kc, 'finance', 'acme', { spec: { suspend: true } });
    await expect
      .poll(() => readyOf(stack.kc, 'finance', 'acme'), { timeout: 60_000, interval: 500 })
      .toMatch(/Suspended/);
    const suspendSeconds = (Date.now() - changedAt) / 1000;
    console.log(`suspend reconciled ${suspendSeconds.toFixed(1)} s after the restart`);

    const resumedAt = Date.now();
    await patchXeroConnection(stack.kc, 'finance', 'acme', { spec: { suspend: false } });
    await expect
      .poll(
        async () => {
          const xc = await getXeroConnection(stack.kc, 'finance', 'acme');
          return `${condition(xc, 'Ready')?.status} ${xc.status?.userCount}`;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe('True 7');
    const resumeSeconds = (Date.now() - resumedAt) / 1000;
    // The same reconciler process did it all: no crash, no restart.
    expect(isAlive(reconcilerPid)).toBe(true);

    const after = await evidenceViaAdminApi(stack.kc, stack.admin);
    const kept = expectNothingLost(before, after);

    await recordFaultResult({
      id: 'apiserver-restart',
      kind: 'fault',
      title: 'kube-apiserver restart',
      injected: `the stack's kube-apiserver stopped (SIGTERM) for ${outageSeconds.toFixed(1)} s, then started again with its exact command line (same port, certificates, etcd); a user removed in Xero during the outage`,
      held: `reconciler kept running (same pid); spec.suspend: true applied right after the restart reconciled (Ready reason Suspended) ${suspendSeconds.toFixed(1)} s later; suspend: false → Ready=True with the outage's Xero change (userCount 8 → 7) ${resumeSeconds.toFixed(1)} s later`,
      ...kept,
      command: faultCommand('apiserver-restart.fault.test.ts'),
    });
  });
});
