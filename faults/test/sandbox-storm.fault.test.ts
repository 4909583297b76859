import { isAlive } from '@xero-access/local-cluster';
import { condition, waitAllReady } from '@xero-access/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidenceViaAdminApi, expectNothingLost } from '../src/evidence.js';
import { startFaultStack, type FaultStack } from '../src/fault-stack.js';
import { faultCommand, recordFaultResult } from '../src/record.js';
import { apiRequests, SandboxAdmin, tokenRequests } from '../src/sandbox-admin.js';
import { getXeroConnection, requestSync } from '../src/xero-connections.js';

const STORM_MS = 30_000;
// Two connections retried with backoff from 2 s doubling: about 5 attempts each in 30 s, each a
// handful of calls. A tight loop would make thousands; 100 leaves room for in-call retries.
const MAX_CALLS_IN_STORM = 100;

/** Xero answers 503 after 300 ms to everything for 30 s: back off, explain, recover. */
describe('Xero 5xx and latency storm', () => {
  let fs: FaultStack;
  let sandbox: SandboxAdmin;

  beforeAll(async () => {
    fs = await startFaultStack('storm');
    sandbox = new SandboxAdmin(fs.stack.sandbox.adminUrl);
  });
  afterAll(async () => {
    await sandbox?.clearFaults().catch(() => {});
    await fs?.stack.stop();
  });

  it('backs off without a tight loop, says why in Ready, and recovers when the storm ends', async () => {
    const { stack } = fs;
    const before = await evidenceViaAdminApi(stack.kc, stack.admin);
    await sandbox.resetStats();
    await sandbox.setFaults({
      target: 'all',
      latencyMs: 300,
      serverErrors: { count: 1_000_000, status: 503 },
    });
    const stormStarted = Date.now();
    let calls = 0;
    let reason = '';
    try {
      await requestSync(stack.kc, 'finance', 'acme');
      await requestSync(stack.kc, 'finance', 'globex');
      await expect
        .poll(
          async () =>
            condition(await getXeroConnection(stack.kc, 'finance', 'acme'), 'Ready')?.status,
          { timeout: 20_000, interval: 500 },
        )
        .toBe('False');
      const ready = condition(await getXeroConnection(stack.kc, 'finance', 'acme'), 'Ready')!;
      reason = `${ready.reason}: ${ready.message}`;
      await new Promise((r) => setTimeout(r, STORM_MS - (Date.now() - stormStarted)));
      const stats = await sandbox.stats();
      calls = apiRequests(stats) + tokenRequests(stats);
      console.log(
        `storm of ${STORM_MS / 1000} s: ${calls} calls reached the sandbox (${JSON.stringify(stats.apiResponses)}); Ready: ${reason}`,
      );
    } finally {
      await sandbox.clearFaults();
    }
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(MAX_CALLS_IN_STORM);
    expect(reason).toMatch(/^Unavailable: /);
    expect(reason).toMatch(/503|unavailable/i);
    expect(isAlive(stack.processes.reconciler.pid)).toBe(true);

    const recoveryStarted = Date.now();
    await requestSync(stack.kc, 'finance', 'acme');
    await requestSync(stack.kc, 'finance', 'globex');
    await waitAllReady(stack.kc, 60_000);
    const recoverySeconds = (Date.now() - recoveryStarted) / 1000;
    console.log(`Ready again ${recoverySeconds.toFixed(1)} s after the storm ended`);

    const after = await evidenceViaAdminApi(stack.kc, stack.admin);
    const kept = expectNothingLost(before, after);

    await recordFaultResult({
      id: 'sandbox-storm',
      kind: 'fault',
      title: 'Xero 5xx and latency storm',
      injected: `sandbox faults {target: all, latencyMs: 300, serverErrors: 503 for every call} for ${STORM_MS / 1000} s, syncs requested for both connections`,
      held: `${calls} calls reached Xero in ${STORM_MS / 1000} s (bound ${MAX_CALLS_IN_STORM}: no tight loop); Ready=False ${reason}; reconciler kept running; all Ready=True ${recoverySeconds.toFixed(1)} s after the storm ended and a sync was requested`,
      ...kept,
      command: faultCommand('sandbox-storm.fault.test.ts'),
    });
  });
});
