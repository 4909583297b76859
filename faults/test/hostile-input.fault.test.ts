import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { isAlive } from '@xero-access/local-cluster';
import { condition, waitAllReady } from '@xero-access/stack';
import { createTestDatabase, type TestDatabase } from '@xero-access/testing';
import { XERO_ERROR_REASONS } from '@xero-access/xero-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack } from '../src/fault-stack.js';
import {
  dnsSubdomain,
  maxRoleMappings,
  maxScopes,
  overLimitCases,
  secretKey,
  xeroConnection,
} from '../src/hostile-crs.js';
import {
  createConnection,
  deleteConnections,
  readyOrFailure,
  reconcileCount,
} from '../src/hostile-cr-api.js';
import { expectNothingLost } from '../src/evidence.js';
import { evidence } from '../src/postgres-service.js';
import { faultCommand, recordFaultResult } from '../src/record.js';
import { apiRequests, SandboxAdmin } from '../src/sandbox-admin.js';
import { getXeroConnection, requestSync } from '../src/xero-connections.js';

const ACME_TENANT = '7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01';

const WINDOW_MS = 20_000;
const MAX_CALLS_IN_WINDOW = 60;

/** Bad input from both sides of the reconciler: junk in its Secrets, nonsense from Xero. */
describe('hostile input to the reconciler', () => {
  let fs: FaultStack;
  let sandbox: SandboxAdmin;
  let db: TestDatabase;

  beforeAll(async () => {
    // PostgreSQL, as production: its column limits are part of what a CR at the limits meets.
    db = await createTestDatabase('faults');
    fs = await startFaultStack('hostile', { databaseUrl: db.url });
    sandbox = new SandboxAdmin(fs.stack.sandbox.adminUrl);
  });
  afterAll(async () => {
    await sandbox?.clearFaults().catch(() => {});
    await fs?.stack.stop();
    await db?.drop();
  });

  /** The reconciler's log holds no crash: nothing uncaught, no fatal line. */
  const reconcilerLogClean = () => {
    const log = readFileSync(fs.stack.processes.reconciler.logFile, 'utf8');
    return !/uncaught|unhandled|"level":"fatal"/i.test(log);
  };

  const readyReason = async () => {
    const ready = condition(await getXeroConnection(fs.stack.kc, 'finance', 'acme'), 'Ready');
    return `${ready?.status} ${ready?.reason}: ${ready?.message}`;
  };

  it('says what is wrong with a token Secret full of binary junk, without crashing, and recovers when it is fixed', async () => {
    const { stack } = fs;
    const before = await evidence(db.url);
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

    const after = await evidence(db.url);
    const kept = expectNothingLost(before, after);
    await recordFaultResult({
      id: 'hostile-junk-token-secret',
      kind: 'bad-input',
      title: 'Binary junk in the token Secret',
      injected:
        'acme-xero-tokens patched with 96 random bytes as refresh_token and access_token, a sync requested; then the original Secret put back',
      held: `Ready=False without a stack trace, pointing at the Secret (${reason}); reconciler alive; Ready=True once the Secret was fixed`,
      ...kept,
      command: faultCommand('hostile-input.fault.test.ts'),
    });
  });

  it('reports malformed Xero answers as InvalidResponse, retries with backoff, and recovers', async () => {
    const { stack } = fs;
    const before = await evidence(db.url);
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

    const after = await evidence(db.url);
    const kept = expectNothingLost(before, after);
    await recordFaultResult({
      id: 'hostile-malformed-xero',
      kind: 'bad-input',
      title: 'Malformed Xero answers',
      injected: `sandbox malformedBodies on every API answer (status kept, body truncated) for ${WINDOW_MS / 1000} s, syncs requested for both connections`,
      held: `${calls} calls in ${WINDOW_MS / 1000} s (bound ${MAX_CALLS_IN_WINDOW}: backoff, no tight loop); ${reason}; reconciler alive; all Ready again after`,
      ...kept,
      command: faultCommand('hostile-input.fault.test.ts'),
    });
  });
  it('accepts XeroConnections at the CRD limits with clear conditions, and refuses each just over a limit naming the field', async () => {
    const { stack } = fs;
    const core = stack.kc.makeApiClient(CoreV1Api);
    const ns = 'finance';
    const reconcilerPid = stack.processes.reconciler.pid;
    const before = await evidence(db.url);
    const app = (await core.readNamespacedSecret({ namespace: ns, name: 'acme-xero-app' })).data!;
    const tokens = (await core.readNamespacedSecret({ namespace: ns, name: 'acme-xero-tokens' }))
      .data!;
    const createSecret = (name: string, data: Record<string, string>) =>
      core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, data } });

    // Secrets for the longest names and keys the schema allows (a Secret name may be 253 too).
    const longRefs = {
      credentials: dnsSubdomain(253, 'creds'),
      tokens: dnsSubdomain(253, 'tokens'),
      clientIdKey: secretKey(253, 'id'),
      clientSecretKey: secretKey(253, 'secret'),
    };
    await createSecret(longRefs.credentials, {
      [longRefs.clientIdKey]: app.clientId!,
      [longRefs.clientSecretKey]: app.clientSecret!,
    });
    await createSecret(longRefs.tokens, tokens);
    const atLimit = {
      names: dnsSubdomain(253, 'names'),
      arrays: 'limits-arrays',
      intervalMin: 'limits-interval-min',
      intervalMax: 'limits-interval-max',
    };
    const shortRefs = (name: string) => ({
      credentials: 'acme-xero-app',
      tokens: `${name}-tokens`,
    });
    for (const name of [atLimit.arrays, atLimit.intervalMin, atLimit.intervalMax])
      await createSecret(`${name}-tokens`, tokens);

    const accepted = [
      xeroConnection(atLimit.names, longRefs, {
        tenantId: ACME_TENANT.toUpperCase(),
        syncInterval: `${'0'.repeat(30)}1h`, // 32 characters, maxLength 32
      }),
      xeroConnection(atLimit.arrays, shortRefs(atLimit.arrays), {
        scopes: maxScopes(),
        accessControl: { roleMappings: maxRoleMappings() },
      }),
      xeroConnection(atLimit.intervalMin, shortRefs(atLimit.intervalMin), { syncInterval: '1m' }),
      // The largest Go duration in whole hours (about 292 years).
      xeroConnection(atLimit.intervalMax, shortRefs(atLimit.intervalMax), {
        syncInterval: '2562047h',
      }),
    ];
    const refusals: string[] = [];
    try {
      for (const body of accepted) {
        const outcome = await createConnection(stack.kc, ns, body);
        expect(outcome, `${body.metadata.name.slice(0, 30)} accepted`).toEqual({ created: true });
      }
      for (const c of overLimitCases(shortRefs('over-limit'))) {
        const outcome = await createConnection(stack.kc, ns, c.body);
        expect(outcome.created, `${c.what} refused`).toBe(false);
        if (outcome.created) continue;
        expect(outcome.status, c.what).toBe(422);
        expect(outcome.message, c.what).toContain(c.field);
        const at = outcome.message.indexOf(c.field);
        refusals.push(`${c.what}: ${outcome.message.slice(at, at + 140)}`);
      }
      console.log(`refused (${refusals.length}):\n  ${refusals.join('\n  ')}`);

      const conditions: string[] = [];
      for (const body of accepted) {
        const ready = await readyOrFailure(stack.kc, ns, body.metadata.name);
        const line = `${body.metadata.name.slice(0, 24)}…: ${ready.status} ${ready.reason}: ${ready.message}`;
        conditions.push(line);
        expect(ready.message, line).not.toMatch(/\n\s+at /);
        if (ready.status === 'False') expect(XERO_ERROR_REASONS, line).toContain(ready.reason);
      }
      console.log(`at the limits:\n  ${conditions.join('\n  ')}`);
      // Every accepted connection works: the limits are ones the product can live with.
      expect(conditions.filter((c) => !/: True Ready:/.test(c))).toEqual([]);

      // No hot loop: a synced connection is not reconciled again until its interval (or a change).
      const reconcilesBefore = await reconcileCount(stack.reconcilerMetricsUrl);
      await new Promise((r) => setTimeout(r, 10_000));
      const reconcilesIn10s = (await reconcileCount(stack.reconcilerMetricsUrl)) - reconcilesBefore;
      console.log(`reconciles in 10 s after all were Ready: ${reconcilesIn10s}`);
      expect(reconcilesIn10s).toBeLessThanOrEqual(10);
      expect(isAlive(reconcilerPid)).toBe(true);
      expect(stack.processes.reconciler.pid).toBe(reconcilerPid);
      expect(reconcilerLogClean()).toBe(true);
      // Events too: an Event's name is the object's plus a suffix, and must fit in 253 as well.
      const log = readFileSync(stack.processes.reconciler.logFile, 'utf8');
      expect(log).not.toMatch(/could not record event/);

      const after = await evidence(db.url);
      const kept = expectNothingLost(before, after);
      await recordFaultResult({
        id: 'hostile-crs-at-limits',
        kind: 'bad-input',
        title: 'XeroConnections at and just over the CRD schema limits',
        injected: `${accepted.length} CRs at the limits (253-character metadata.name, Secret names and keys; 32 scopes of 128 characters; 256 role mappings with 128-character orgRoles and all 6 Xero roles; upper-case tenantId; syncInterval 1m, 2562047h and 32 characters long) and ${refusals.length} each one field over a limit`,
        held: `all ${accepted.length} accepted and Ready=True; all ${refusals.length} over-limit CRs refused by the API server (422) naming the field; ${reconcilesIn10s} reconciles in the 10 s after (no hot loop); every Event recorded; reconciler same pid, no uncaught error in its log`,
        ...kept,
        command: faultCommand('hostile-input.fault.test.ts'),
      });
    } finally {
      await deleteConnections(
        stack.kc,
        ns,
        accepted.map((b) => b.metadata.name),
      );
      for (const name of [
        longRefs.credentials,
        longRefs.tokens,
        ...[atLimit.arrays, atLimit.intervalMin, atLimit.intervalMax].map((n) => `${n}-tokens`),
      ])
        await core.deleteNamespacedSecret({ namespace: ns, name }).catch(() => {});
    }
  });

  it('says which key of the credentials Secret is wrong (binary, empty, missing, huge) without its value, and recovers', async () => {
    const { stack } = fs;
    const core = stack.kc.makeApiClient(CoreV1Api);
    const ns = 'finance';
    const name = 'acme-xero-app';
    const reconcilerPid = stack.processes.reconciler.pid;
    const before = await evidence(db.url);
    const original = await core.readNamespacedSecret({ namespace: ns, name });
    const good = original.data!;
    const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
    const binary = randomBytes(48);
    const huge = randomBytes(384 * 1024).toString('base64'); // 512 KiB of text
    const cases: { what: string; key: string; data: Record<string, string>; value?: string }[] = [
      { what: 'binary client ID', key: 'clientId', data: { ...good, clientId: b64(binary) } },
      {
        what: 'binary client secret',
        key: 'clientSecret',
        data: { ...good, clientSecret: b64(binary) },
      },
      { what: 'empty client ID', key: 'clientId', data: { ...good, clientId: '' } },
      {
        what: 'missing client secret',
        key: 'clientSecret',
        data: { clientId: good.clientId! },
      },
      {
        what: 'huge client secret',
        key: 'clientSecret',
        data: { ...good, clientSecret: b64(huge) },
        value: huge,
      },
    ];
    const replaceData = (data: Record<string, string>) =>
      core.replaceNamespacedSecret({
        namespace: ns,
        name,
        body: { ...original, metadata: { name, namespace: ns }, data },
      });
    const secretValues = [
      Buffer.from(good.clientSecret!, 'base64').toString('utf8'),
      huge.slice(0, 64),
      b64(binary),
    ];
    const seen: string[] = [];
    try {
      for (const c of cases) {
        await replaceData(c.data);
        await requestSync(stack.kc, ns, 'acme');
        await expect
          .poll(readyReason, { timeout: 30_000, interval: 500 })
          .toMatch(/^False InvalidSpec: /);
        const reason = await readyReason();
        seen.push(`${c.what}: ${reason.slice(0, 300)}`);
        expect(reason, c.what).toContain(`${ns}/${name}`);
        expect(reason, c.what).toContain(c.key);
        expect(reason, c.what).not.toMatch(/\n\s+at /);
        for (const value of secretValues) expect(reason.includes(value), c.what).toBe(false);
        expect(isAlive(reconcilerPid), c.what).toBe(true);

        await replaceData(good);
        await requestSync(stack.kc, ns, 'acme');
        await expect.poll(readyReason, { timeout: 30_000, interval: 500 }).toMatch(/^True /);
      }
    } finally {
      await replaceData(good).catch(() => {});
    }
    console.log(`credentials Secret:\n  ${seen.join('\n  ')}`);
    const log = readFileSync(stack.processes.reconciler.logFile, 'utf8');
    const leaked = secretValues.filter((v) => log.includes(v)).length;
    expect(leaked).toBe(0);
    expect(stack.processes.reconciler.pid).toBe(reconcilerPid);
    expect(reconcilerLogClean()).toBe(true);
    const after = await evidence(db.url);
    const kept = expectNothingLost(before, after);
    await recordFaultResult({
      id: 'hostile-credentials-secret',
      kind: 'bad-input',
      title: 'Junk in the credentials Secret',
      injected: `acme-xero-app replaced ${cases.length} times (${cases.map((c) => c.what).join(', ')}), a sync requested each time, then the original put back`,
      held: `every time Ready=False InvalidSpec naming finance/acme-xero-app and the key, Ready=True again once fixed; ${secretValues.length} secret values searched in the conditions and the reconciler log: ${leaked} found; reconciler same pid`,
      ...kept,
      command: faultCommand('hostile-input.fault.test.ts'),
    });
  });
});
