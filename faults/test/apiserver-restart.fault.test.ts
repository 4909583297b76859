import { isAlive } from '@xero-access/local-cluster';
import { condition } from '@xero-access/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiserverAgain, stopApiserver } from '../src/apiserver-restart.js';
import { startFaultStack, type FaultStack } from '../src/fault-stack.js';
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

    const argv = await stopApiserver(fs.clusterDir);
    const outageStarted = Date.now();
    // Xero changes while the cluster is unreachable: a leaver is removed.
    await new SandboxAdmin(stack.sandbox.adminUrl).removeUser(ACME_TENANT, LIAM_PATEL);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    expect(isAlive(stack.processes.reconciler.pid)).toBe(true);
    await startApiserverAgain(fs.clusterDir, argv);
    console.log(`apiserver outage: ${((Date.now() - outageStarted) / 1000).toFixed(1)} s`);

    // The spec change reaches the reconciler only through a resumed (or re-established) watch.
    const changedAt = Date.now();
    await patchXeroConnection(stack.kc, 'finance', 'acme', { spec: { suspend: true } });
    await expect
      .poll(() => readyOf(stack.kc, 'finance', 'acme'), { timeout: 60_000, interval: 500 })
      .toMatch(/Suspended/);
    console.log(
      `suspend reconciled ${((Date.now() - changedAt) / 1000).toFixed(1)} s after the restart`,
    );

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
    // The same reconciler process did it all: no crash, no restart.
    expect(isAlive(stack.processes.reconciler.pid)).toBe(true);
  });
});
