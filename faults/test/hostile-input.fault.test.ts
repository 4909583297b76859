import { randomBytes } from 'node:crypto';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { isAlive } from '@xero-access/local-cluster';
import { condition, waitAllReady } from '@xero-access/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack } from '../src/fault-stack.js';
import { apiRequests, SandboxAdmin } from '../src/sandbox-admin.js';
import { getXeroConnection, requestSync } from '../src/xero-connections.js';

const WINDOW_MS = 20_000;
const MAX_CALLS_IN_WINDOW = 60;

/** Bad input from both sides of the reconciler: junk in its Secrets, nonsense from Xero. */
describe('hostile input to the reconciler', () => {
  let fs: FaultStack;
  let sandbox: SandboxAdmin;

  beforeAll(async () => {
    fs = await startFaultStack('hostile');
    sandbox = new SandboxAdmin(fs.stack.sandbox.adminUrl);
  });
  afterAll(async () => {
    await sandbox?.clearFaults().catch(() => {});
    await fs?.stack.stop();
  });

  const readyReason = async () => {
    const ready = condition(await getXeroConnection(fs.stack.kc, 'finance', 'acme'), 'Ready');
    return `${ready?.status} ${ready?.reason}: ${ready?.message}`;
  };

  it('says what is wrong with a token Secret full of binary junk, without crashing, and recovers when it is fixed', async () => {
    const { stack } = fs;
    const core = stack.kc.makeApiClient(CoreV1Api);
    const original = await core.readNamespacedSecret({
      namespace: 'finance',
      name: 'acme-xero-tokens',
    });
    const junk = () => randomBytes(96).toString('base64');
    await core.patchNamespacedSecret(
      {
        namespace: 'finance',
        name: 'acme-xero-tokens',
        body: { data: { refresh_token: junk(), access_token: junk() } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await requestSync(stack.kc, 'finance', 'acme');
    await expect.poll(readyReason, { timeout: 30_000, interval: 500 }).toMatch(/^False /);
    const reason = await readyReason();
    console.log(`junk token Secret: ${reason}`);
    expect(reason).not.toMatch(/\n\s+at /);
    expect(isAlive(stack.processes.reconciler.pid)).toBe(true);

    await core.replaceNamespacedSecret({
      namespace: 'finance',
      name: 'acme-xero-tokens',
      body: { ...original, metadata: { ...original.metadata, resourceVersion: undefined } },
    });
    await requestSync(stack.kc, 'finance', 'acme');
    await expect.poll(readyReason, { timeout: 30_000, interval: 500 }).toMatch(/^True /);

    // The fault is in the user's Secret, so the condition must point there (as InvalidSpec does),
    // not blame Xero.
    expect(reason).not.toMatch(/^False Unavailable/);
    expect(reason).toMatch(/acme-xero-tokens/);
  });

  it('reports malformed Xero answers as InvalidResponse, retries with backoff, and recovers', async () => {
    const { stack } = fs;
    await sandbox.resetStats();
    await sandbox.setFaults({ target: 'api', malformedBodies: 1_000_000 });
    const started = Date.now();
    let calls = 0;
    let reason = '';
    try {
      await requestSync(stack.kc, 'finance', 'acme');
      await requestSync(stack.kc, 'finance', 'globex');
      await expect.poll(readyReason, { timeout: 20_000, interval: 500 }).toMatch(/^False /);
      reason = await readyReason();
      await new Promise((r) => setTimeout(r, WINDOW_MS - (Date.now() - started)));
      calls = apiRequests(await sandbox.stats());
      console.log(`malformed bodies for ${WINDOW_MS / 1000} s: ${calls} calls; ${reason}`);
    } finally {
      await sandbox.clearFaults();
    }
    expect(reason).toMatch(/^False InvalidResponse: /);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(MAX_CALLS_IN_WINDOW);
    expect(isAlive(stack.processes.reconciler.pid)).toBe(true);

    await requestSync(stack.kc, 'finance', 'acme');
    await requestSync(stack.kc, 'finance', 'globex');
    await waitAllReady(stack.kc, 60_000);
  });
});
