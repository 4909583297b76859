import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '@xero-access/local-cluster';
import { condition, listXeroConnections, waitAllReady } from '@xero-access/stack';
import { createTestDatabase, PrivateRedisServer, type TestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack } from '../src/fault-stack.js';
import { LimitSampler } from '../src/limit-sampler.js';
import { applyLoadConnections, writeManyTenantsSeed } from '../src/many-tenants.js';
import { evidence } from '../src/postgres-service.js';
import { faultCommand, recordFaultResult } from '../src/record.js';
import { SandboxAdmin } from '../src/sandbox-admin.js';
import { requestSync } from '../src/xero-connections.js';

// Xero's limits compressed so they bind within seconds: a "minute" of 5 s, 8 calls per tenant and
// 60 per app in it (Xero: 60 and 10,000 per 60 s). The sandbox enforces them as rolling windows;
// the reconciler's limiter is told the same numbers.
const WINDOW_MS = 5_000;
const TENANT_LIMIT = 8;
const APP_LIMIT = 60;
const LIMITS = {
  minuteWindowMs: WINDOW_MS,
  tenantPerMinute: TENANT_LIMIT,
  appPerMinute: APP_LIMIT,
};
// Without Redis each process uses floor(limit / expectedReplicas) of a limit (expectedReplicas = 2).
const APP_SHARE = Math.floor(APP_LIMIT / 2);

const TENANTS = 20;
const WIDE = 3; // + examples' acme: 4 connections syncing all 20 organisations (40 calls each)
const HOT = 4; // + examples' globex: 5 connections on the first organisation only
const PHASE_MS = { shared: 15_000, outage: 20_000, recovered: 20_000 };
// 429 budget for the outage and the recovery together. A 429 can only come from a call the
// in-memory fallback admits while the sandbox's rolling window still holds what Redis admitted
// before it died (or, after the restart, from an empty Redis not yet corrected by Xero's remaining
// headers). The fallback admits at most one app share per fixed window, and the first 429 pauses
// the app (or tenant) until Retry-After, so at most one share can be refused: a burst would be more.
const MAX_429 = APP_SHARE;

const SYNC_EVERY_MS = 1_500;

// Calls keep flowing on the in-memory share (the fallback once stalled: one call in a 15 s outage).
// The load asks for more than the app limit, so the share binds: at least half of it per window.
const MIN_OUTAGE_CALLS = Math.floor(((APP_SHARE * PHASE_MS.outage) / WINDOW_MS) * 0.5);
// Longest stretch without an accepted call. In the outage's first window a 429 (the fallback's share
// on top of what Redis admitted just before) pauses the app or the hot organisation (which every
// worker may be waiting for) for Xero's Retry-After: at most one window (+1 s: whole seconds and
// sampling). Two windows in, that pause is over and only the fallback's own calls count, spread over
// the window: no long stretch without one.
const MAX_OUTAGE_STALL_S = WINDOW_MS / 1000 + 1;
const STEADY_FROM_MS = 2 * WINDOW_MS;
const MAX_STEADY_OUTAGE_STALL_S = 3;

/** A gauge's value from a Prometheus text page (summed over its series). */
async function gauge(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** Redis dies in the middle of syncing 20 organisations through 9 connections. */
describe('Redis outage during a sync of many tenants', () => {
  let fs: FaultStack;
  let db: TestDatabase;
  let redis: PrivateRedisServer;
  let seedDir: string;

  beforeAll(async () => {
    seedDir = mkdtempSync(join(tmpdir(), 'faults-redis-'));
    db = await createTestDatabase('faults');
    redis = await PrivateRedisServer.start({ logDir: seedDir });
  });
  afterAll(async () => {
    await fs?.stack.stop();
    await redis?.kill();
    await db?.drop();
    if (seedDir) rmSync(seedDir, { recursive: true, force: true });
  });

  it('keeps within the limits on the in-memory share, without a burst of 429s, and shares Redis again when it returns', async () => {
    const seed = writeManyTenantsSeed(seedDir, {
      tenants: TENANTS,
      usersPerTenant: 3,
      wide: WIDE,
      hot: HOT,
    });
    fs = await startFaultStack('redis', {
      databaseUrl: db.url,
      redisUrl: redis.url,
      sandboxArgs: [
        '--seed',
        seed.file,
        '--minute-window-ms',
        String(WINDOW_MS),
        '--tenant-per-minute',
        String(TENANT_LIMIT),
        '--app-per-minute',
        String(APP_LIMIT),
      ],
      reconcilerEnv: { XERO_LIMITS: JSON.stringify(LIMITS) },
    });
    const { stack } = fs;
    const names = await applyLoadConnections(stack.kc, stack.sandbox, seed, 'load');
    const all = [
      ['finance', 'acme'],
      ['finance', 'globex'],
      ...names.map((n) => ['load', n]),
    ] as const;
    await waitAllReady(stack.kc, 120_000);
    expect((await listXeroConnections(stack.kc)).length).toBe(all.length);

    const reconcilerPid = stack.processes.reconciler.pid;
    const sandbox = new SandboxAdmin(stack.sandbox.adminUrl);
    const app = stack.sandbox.apps.find((a) => a.kind === 'standard')!;
    const before = await evidence(db.url);
    const sampler = new LimitSampler(sandbox, app.clientId, seed.hotTenantId);
    const statsBefore = await sandbox.stats();

    // Keep every connection syncing: a request newer than its last sync makes it due again.
    let syncing = true;
    const syncLoop = (async () => {
      while (syncing) {
        for (const [ns, name] of all) await requestSync(stack.kc, ns, name).catch(() => {});
        await new Promise((r) => setTimeout(r, SYNC_EVERY_MS));
      }
    })();
    const notReadyDuringOutage = new Set<string>();
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    let outageMs = 0;
    let outageStarted = 0;
    let inFlightAtKill = 0;
    let keysAfter = 0;
    try {
      sampler.start();
      await sampler.phase('shared');
      await sleep(PHASE_MS.shared);

      await sampler.phase('outage');
      // Mid-sync: reconciles are running (and waiting for slots) when Redis dies.
      inFlightAtKill = await gauge(stack.reconcilerMetricsUrl, 'xao_workqueue_in_flight');
      outageStarted = Date.now();
      await redis.kill();
      const outageEnds = Date.now() + PHASE_MS.outage;
      while (Date.now() < outageEnds) {
        for (const xc of await listXeroConnections(stack.kc)) {
          const ready = condition(xc, 'Ready');
          if (ready?.status !== 'True')
            notReadyDuringOutage.add(
              `${xc.metadata.namespace}/${xc.metadata.name} ${ready?.reason}: ${ready?.message}`,
            );
        }
        await sleep(1_000);
      }
      expect(isAlive(reconcilerPid)).toBe(true);
      await redis.up();
      outageMs = Date.now() - outageStarted;
      await sampler.phase('recovered');
      await sleep(PHASE_MS.recovered);
      keysAfter = await redis.countKeys('xao-*');
    } finally {
      syncing = false;
      await syncLoop;
      await sampler.stop();
      if (!redis.running) await redis.up();
    }

    const readyStarted = Date.now();
    await waitAllReady(stack.kc, 120_000);
    const readyAfterMs = Date.now() - readyStarted;
    const after = await evidence(db.url);
    const statsAfter = await sandbox.stats();

    const r429 = {
      shared: sampler.rateLimitedIn('shared'),
      outage: sampler.rateLimitedIn('outage'),
      recovered: sampler.rateLimitedIn('recovered'),
    };
    const window = (what: 'appCalls' | 'tenantCalls', phase: string) =>
      sampler.maxInWindow(what, WINDOW_MS, phase);
    const measured = {
      tenants: TENANTS,
      connections: all.length,
      outageS: +(outageMs / 1000).toFixed(1),
      reconcilesInFlightAtKill: inFlightAtKill,
      calls: {
        shared: sampler.callsIn('appCalls', 'shared'),
        outage: sampler.callsIn('appCalls', 'outage'),
        recovered: sampler.callsIn('appCalls', 'recovered'),
      },
      hotTenantCallsInOutage: sampler.callsIn('tenantCalls', 'outage'),
      hotTenantLongestStallInOutageS: +(
        sampler.longestStall('tenantCalls', 'outage') / 1000
      ).toFixed(1),
      // Seconds without a single accepted call: the fallback should keep work going at its share.
      longestStallS: {
        shared: +(sampler.longestStall('appCalls', 'shared') / 1000).toFixed(1),
        outage: +(sampler.longestStall('appCalls', 'outage') / 1000).toFixed(1),
        outageSteady: +(
          sampler.longestStall('appCalls', 'outage', outageStarted + STEADY_FROM_MS) / 1000
        ).toFixed(1),
        recovered: +(sampler.longestStall('appCalls', 'recovered') / 1000).toFixed(1),
      },
      appMaxPerWindow: {
        shared: window('appCalls', 'shared'),
        outage: window('appCalls', 'outage'),
        recovered: window('appCalls', 'recovered'),
      },
      // Windows wholly inside the outage: the in-memory share alone, no calls from before it.
      insideOutageMaxPerWindow: {
        app: sampler.maxInWindow('appCalls', WINDOW_MS, 'outage', true),
        hotTenant: sampler.maxInWindow('tenantCalls', WINDOW_MS, 'outage', true),
      },
      hotTenantMaxPerWindow: {
        shared: window('tenantCalls', 'shared'),
        outage: window('tenantCalls', 'outage'),
        recovered: window('tenantCalls', 'recovered'),
      },
      r429,
      maxInFlightHotTenant: sampler.maxInFlight(),
      limiterKeysAfterRestart: keysAfter,
      readyAfterS: +(readyAfterMs / 1000).toFixed(1),
      notReadyDuringOutage: [...notReadyDuringOutage],
      snapshots: `${before.snapshots.length} -> ${after.snapshots.length}`,
      findings: `${before.findings.size} -> ${after.findings.size}`,
    };
    console.log(`Redis outage: ${JSON.stringify(measured, null, 2)}`);

    const sum = LimitSampler.total;
    expect(inFlightAtKill).toBeGreaterThan(0);
    // Redis shared: the limiter keeps within the limits exactly.
    expect(sum(r429.shared)).toBe(0);
    // The limits bound (the load asked for more than they allow).
    expect(measured.appMaxPerWindow.shared).toBeGreaterThanOrEqual(APP_LIMIT * 0.8);
    // Outage and recovery: no burst; a small bounded number, and the work went on.
    expect(sum(r429.outage) + sum(r429.recovered)).toBeLessThanOrEqual(MAX_429);
    expect(measured.calls.outage).toBeGreaterThanOrEqual(MIN_OUTAGE_CALLS);
    expect(measured.longestStallS.outage).toBeLessThan(MAX_OUTAGE_STALL_S);
    expect(measured.longestStallS.outageSteady).toBeLessThan(MAX_STEADY_OUTAGE_STALL_S);
    expect(measured.hotTenantCallsInOutage).toBeGreaterThan(0);
    // Accepted calls never exceed a limit in any window (the sandbox refuses what would).
    expect(measured.appMaxPerWindow.outage).toBeLessThanOrEqual(APP_LIMIT);
    expect(measured.hotTenantMaxPerWindow.outage).toBeLessThanOrEqual(TENANT_LIMIT);
    // The memory fallback counts fixed windows: at most twice a share in a rolling one.
    expect(measured.insideOutageMaxPerWindow.app).toBeLessThanOrEqual(2 * APP_SHARE);
    expect(measured.insideOutageMaxPerWindow.hotTenant).toBeLessThanOrEqual(TENANT_LIMIT);
    expect(measured.maxInFlightHotTenant).toBeLessThanOrEqual(5);
    // Back on the shared budget: more than one process's share again, and keys in Redis.
    expect(measured.appMaxPerWindow.recovered).toBeGreaterThan(APP_SHARE);
    expect(keysAfter).toBeGreaterThan(0);
    // The reconciler lived through it; every connection is Ready; nothing lost.
    expect(isAlive(reconcilerPid)).toBe(true);
    expect(stack.processes.reconciler.pid).toBe(reconcilerPid);
    expect(after.snapshots).toEqual(expect.arrayContaining(before.snapshots));
    let findingsLost = 0;
    for (const id of before.findings.keys()) if (!after.findings.has(id)) findingsLost++;
    expect(findingsLost).toBe(0);
    const tokenErrors = sum(statsAfter.tokenErrors) - sum(statsBefore.tokenErrors);
    expect(tokenErrors).toBe(0);
    const reconcilerLog = readFileSync(stack.processes.reconciler.logFile, 'utf8');
    expect(reconcilerLog).toMatch(/Redis is unavailable/);
    expect(reconcilerLog).toMatch(/Redis is back/);
    expect(reconcilerLog).not.toMatch(/Unhandled error event|uncaught/i);

    await recordFaultResult({
      id: 'redis-outage',
      kind: 'fault',
      title: 'Redis outage during a sync of many tenants',
      injected: `private redis-server SIGKILLed with ${inFlightAtKill} reconciles in flight while ${all.length} XeroConnections synced ${TENANTS} organisations (sandbox and client limits compressed to ${TENANT_LIMIT}/tenant and ${APP_LIMIT}/app per ${WINDOW_MS / 1000} s window); down ${measured.outageS} s, then started again (empty) on the same port`,
      held: `429s: ${sum(r429.shared)} with Redis, ${sum(r429.outage)} during the outage, ${sum(r429.recovered)} after it (bound ${MAX_429}); app calls per window max ${measured.appMaxPerWindow.shared} / ${measured.appMaxPerWindow.outage} / ${measured.appMaxPerWindow.recovered} (limit ${APP_LIMIT}, share ${APP_SHARE}; ${measured.insideOutageMaxPerWindow.app} in windows wholly inside the outage); hot tenant max ${measured.hotTenantMaxPerWindow.shared} / ${measured.hotTenantMaxPerWindow.outage} / ${measured.hotTenantMaxPerWindow.recovered} (limit ${TENANT_LIMIT}); calls accepted during the outage: ${measured.calls.outage} (bound ≥ ${MIN_OUTAGE_CALLS}; hot organisation ${measured.hotTenantCallsInOutage}), longest stretch without one ${measured.longestStallS.outage} s (bound < ${MAX_OUTAGE_STALL_S} s: a Retry-After pause), ${measured.longestStallS.outageSteady} s from ${STEADY_FROM_MS / 1000} s into the outage (bound < ${MAX_STEADY_OUTAGE_STALL_S} s; hot organisation ${measured.hotTenantLongestStallInOutageS} s; with Redis ${measured.longestStallS.shared} s); reconciler same pid; all Ready ${measured.readyAfterS} s after the load stopped; ${keysAfter} limiter keys in Redis again`,
      dataLost: findingsLost + tokenErrors,
      dataChecked: `snapshots ${measured.snapshots} (all kept), findings ${measured.findings} (all kept), 0 token errors (no refresh token lost)`,
      command: faultCommand('redis-outage.fault.test.ts'),
    });
  }, 480_000);
});
