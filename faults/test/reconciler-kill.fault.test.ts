import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from '@xero-access/local-cluster';
import { dropRefreshLocks } from '@xero-access/testing';
import { refreshKeyPrefix, refreshLockKey } from '@xero-access/xero-client';
import {
  condition,
  listXeroConnections,
  startApp,
  waitAllReady,
  type AppProcess,
} from '@xero-access/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEvidence, evidenceViaAdminApi, lostEvidence } from '../src/evidence.js';
import { startFaultStack, type FaultStack } from '../src/fault-stack.js';
import { faultCommand, recordFaultResult } from '../src/record.js';
import { SandboxAdmin, tokenSetsIssued } from '../src/sandbox-admin.js';
import { processEnv } from '../src/secret-scan.js';
import { getXeroConnection, requestSync } from '../src/xero-connections.js';

// The issue asks for 200; the default keeps `npm run faults` near ten minutes.
const CYCLES = Number(process.env.FAULTS_REFRESH_CYCLES ?? 50);
/** How long the sandbox holds back each token answer after Xero rotated: the danger window. */
const ANSWER_HELD_MS = 1_000;

/** How many token sets the reconciler has written back to its Secrets, from its log. */
async function writtenBack(logFile: string): Promise<number> {
  return (
    (await readFile(logFile, 'utf8')).split('refresh token rotated and written back').length - 1
  );
}

/** Waits until Xero has issued more than `before` token sets. */
async function tokenSetIssued(sandbox: SandboxAdmin, before: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (tokenSetsIssued(await sandbox.stats()) <= before) {
    if (Date.now() > deadline) throw new Error('the reconciler refreshed no token within 30 s');
    await sleep(20);
  }
}

/**
 * Each cycle: every access token expires and a sync is requested (so the reconciler refreshes and
 * rotates the refresh token). Xero's answer with the new set is held back for a second after the
 * rotation, and as soon as a set is issued the reconciler is SIGKILLed at a random point in the
 * first half of that second: after Xero rotated, before the Secret write-back. Then it is started
 * again with the same environment. Afterwards no connection may need re-consent.
 */
describe('reconciler SIGKILLed during token refreshes', () => {
  let fs: FaultStack;
  let reconciler: AppProcess;

  beforeAll(async () => {
    // One replica without a Lease: a killed leader's Lease would block its successor for 15 s.
    fs = await startFaultStack('kill', { reconcilerEnv: { LEADER_ELECTION: 'false' } });
    reconciler = fs.stack.processes.reconciler;
  });
  afterAll(async () => {
    await reconciler?.stop();
    await fs?.stack.stop();
  });

  it(
    `loses no refresh token over ${CYCLES} kills`,
    async () => {
      const { stack } = fs;
      const sandbox = new SandboxAdmin(stack.sandbox.adminUrl);
      const env = processEnv(reconciler.pid);
      const healthUrl = `http://127.0.0.1:${env.METRICS_PORT}/healthz`;
      const reasons = new Set<string>();
      const before = await evidenceViaAdminApi(stack.kc, stack.admin);
      await sandbox.setFaults({ target: 'identity', latencyMs: ANSWER_HELD_MS });
      await sandbox.resetStats();
      const started = Date.now();
      // Token sets Xero issued that no Secret got: each kill that lands in the window adds one.
      const lostSets = async () =>
        tokenSetsIssued(await sandbox.stats()) - (await writtenBack(reconciler.logFile));
      let lostBefore = await lostSets();
      let killedMidRefresh = 0;
      // Kills that left a refresh lock held (dropped below, as its expiry would).
      let locksLeft = 0;

      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const issuedBefore = tokenSetsIssued(await sandbox.stats());
        await fetch(`${stack.sandbox.adminUrl}/access-tokens/expire`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        await requestSync(stack.kc, 'finance', 'acme');
        await tokenSetIssued(sandbox, issuedBefore);
        await sleep(Math.floor((Math.random() * ANSWER_HELD_MS) / 2));
        await reconciler.stop('SIGKILL');
        // The refresh lock the kill left would block the next process for REFRESH_LOCK_TTL (30 s).
        const dropped = await dropRefreshLocks(
          env.REDIS_URL!,
          refreshLockKey(refreshKeyPrefix(env.REDIS_KEY_PREFIX!), '*'),
        );
        if (dropped > 0) locksLeft += 1;
        const lostNow = await lostSets();
        if (lostNow > lostBefore) killedMidRefresh += 1;
        lostBefore = lostNow;
        const ready = condition(await getXeroConnection(stack.kc, 'finance', 'acme'), 'Ready');
        if (ready?.status === 'False') reasons.add(ready.reason);
        reconciler = await startApp({
          name: 'reconciler',
          script: 'apps/reconciler/dist/main.js',
          logDir: stack.logDir,
          healthUrl,
          env,
        });
      }

      await requestSync(stack.kc, 'finance', 'acme');
      await requestSync(stack.kc, 'finance', 'globex');
      await waitAllReady(stack.kc, 60_000);
      const xc = await getXeroConnection(stack.kc, 'finance', 'acme');
      const stats = await sandbox.stats();
      await sandbox.clearFaults();
      console.log(
        `${CYCLES} kills, ${killedMidRefresh} after Xero rotated and before the write-back: ${stats.refreshRotations} refresh rotations, ${stats.refreshGraceReplays} grace replays, token errors ${JSON.stringify(stats.tokenErrors)}; Ready=False reasons seen: ${[...reasons].join(', ') || 'none'}`,
      );
      const seconds = (Date.now() - started) / 1000;
      // A refresh token lost is a connection that needs a person to consent again.
      const needReconsent = (await listXeroConnections(stack.kc)).filter(
        (c) => condition(c, 'Ready')?.reason === 'ReauthorizationRequired',
      ).length;
      const invalidGrants = stats.tokenErrors?.invalid_grant ?? 0;
      const after = await evidenceViaAdminApi(stack.kc, stack.admin);
      const lost = lostEvidence(before, after);
      expect(condition(xc, 'Ready')?.status).toBe('True');
      expect(reasons.has('ReauthorizationRequired')).toBe(false);
      expect(needReconsent).toBe(0);
      expect(invalidGrants).toBe(0);
      expect(lost).toEqual([]);
      expect(stats.refreshRotations).toBeGreaterThan(0);
      // The kills did land in the danger window (each is timed to; half is the margin for load),
      // and the lost sets came back only through Xero's grace period.
      expect(killedMidRefresh).toBeGreaterThanOrEqual(CYCLES / 2);
      // A kill mid-refresh leaves its lock held: none found would mean the pattern misses the keys.
      expect(locksLeft).toBeGreaterThanOrEqual(CYCLES / 2);
      expect(stats.refreshGraceReplays).toBeGreaterThanOrEqual(1);
      expect(isAlive(reconciler.pid)).toBe(true);

      await recordFaultResult({
        id: 'reconciler-kill-refresh',
        kind: 'fault',
        title: 'reconciler SIGKILL during token refreshes',
        injected: `${CYCLES} cycles in ${seconds.toFixed(0)} s: every access token expired, a sync requested (refresh + rotation), Xero's answer held back ${ANSWER_HELD_MS} ms after the rotation and the reconciler SIGKILLed at a random point in its first half, the refresh lock it left removed (as its expiry would) and the reconciler started again with the same environment (one replica, LEADER_ELECTION=false)`,
        held: `${killedMidRefresh} of ${CYCLES} kills after Xero rotated and before the Secret write-back (a token set lost); ${stats.refreshRotations} refresh rotations, ${stats.refreshGraceReplays} grace replays, token errors ${JSON.stringify(stats.tokenErrors ?? {})}; never ReauthorizationRequired (Ready=False reasons seen at a kill: ${[...reasons].join(', ') || 'none'}); all Ready=True at the end; the final process alive`,
        dataLost: needReconsent + invalidGrants + lost.length,
        dataChecked: `connections needing re-consent ${needReconsent}, invalid_grant answers ${invalidGrants}; ${describeEvidence(before, after)}`,
        command: faultCommand(
          'reconciler-kill.fault.test.ts',
          CYCLES === 50 ? '' : `FAULTS_REFRESH_CYCLES=${CYCLES}`,
        ),
      });
    },
    CYCLES * 4_000 + 120_000,
  );
});
