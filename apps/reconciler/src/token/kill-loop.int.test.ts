import { dropRefreshLocks } from '@xero-access/testing';
import { DEFAULT_SCOPES, refreshKeyPrefix, refreshLockKey } from '@xero-access/xero-client';
import type { Seed } from '@xero-access/xero-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import { SYNC_REQUESTED_ANNOTATION } from '../reconcile/requested-sync.js';
import { condition, until } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';

const CONNECTIONS = 4;
const KILLS = 10;
/** How long the sandbox holds back each token answer after Xero rotated: the danger window. */
const ANSWER_HELD_MS = 400;

function seed(): Seed {
  const names = Array.from({ length: CONNECTIONS }, (_, i) => `Org ${i}`);
  return {
    tenants: names.map((name) => ({
      name,
      users: [
        {
          email: `a@${name.replace(' ', '')}.example`,
          firstName: 'A',
          lastName: 'B',
          organisationRole: 'STANDARD',
        },
      ],
    })),
    apps: [{ name: 'Operator' }],
    grants: names.map((name) => ({
      app: 'Operator',
      tenants: [name],
      scopes: [...DEFAULT_SCOPES],
    })),
  } as Seed;
}

describe('kill -9 in a loop around token refresh', () => {
  const bed = useTestBed({ name: 'kill', sandbox: { seed: seed() } });
  let env: Record<string, string>;

  beforeAll(async () => {
    const { sandbox } = bed;
    // A grace window as Xero documents it (30 min), and token answers held back after Xero has
    // rotated the refresh token, so a kill can land after the rotation, before the Secret write.
    sandbox.setFaults({ target: 'identity', latencyMs: ANSWER_HELD_MS });
    env = bed.env({
      // One replica, no Lease to wait out.
      extra: { LEADER_ELECTION: 'false', WORKERS: '4' },
    });
    const app = sandbox.apps[0]!;
    for (let i = 0; i < CONNECTIONS; i += 1) {
      await bed.createSecret(`c${i}-app`, {
        clientId: app.clientId,
        clientSecret: app.clientSecret,
      });
      await bed.createSecret(`c${i}-tokens`, {
        refresh_token: sandbox.grants[i]!.refreshToken!,
      });
      await bed.createConnection(`c${i}`, {
        credentialsSecretRef: { name: `c${i}-app` },
        tokenSecretRef: { name: `c${i}-tokens` },
      });
    }
  });

  /** Every access token expired first, so that each sync refreshes (on Xero's 401). */
  async function requestSync(): Promise<void> {
    bed.sandbox.expireAccessTokens();
    for (let i = 0; i < CONNECTIONS; i += 1) await bed.requestSync(`c${i}`);
  }

  /** Token sets Xero has handed out so far: new ones, and spent tokens answered from the grace period. */
  function tokenSetsIssued(): number {
    const stats = bed.sandbox.stats();
    return stats.refreshRotations + stats.refreshGraceReplays;
  }

  it('every connection comes back Ready without a new consent', { timeout: 300_000 }, async () => {
    // Kills after Xero issued a token set this process had not written back yet.
    let killedMidRefresh = 0;
    // Kills that left a refresh lock held (dropped here, as its expiry would).
    let locksLeft = 0;
    for (let round = 0; round < KILLS; round += 1) {
      await requestSync();
      const issuedBefore = tokenSetsIssued();
      const p = bed.spawnReconciler(env);
      // As soon as Xero has issued it a token set, kill it at a random point while that answer is
      // still held back (the first half of the window, so the kill lands in it even under load).
      await until(() => tokenSetsIssued() > issuedBefore, 60_000, 5).catch(() => {
        throw new Error(`no token refresh within 60 s: ${p.errorOutput.slice(-2000)}`);
      });
      await new Promise((r) => setTimeout(r, (Math.random() * ANSWER_HELD_MS) / 2));
      const issued = tokenSetsIssued() - issuedBefore;
      await p.kill('SIGKILL');
      const dropped = await dropRefreshLocks(
        env.REDIS_URL!,
        refreshLockKey(refreshKeyPrefix(env.REDIS_KEY_PREFIX!), '*'),
      );
      if (dropped > 0) locksLeft += 1;
      const writtenBack = p.logs.filter(
        (l) => l.msg === 'refresh token rotated and written back',
      ).length;
      if (issued > writtenBack) killedMidRefresh += 1;
    }

    await requestSync();
    bed.spawnReconciler(env);
    for (let i = 0; i < CONNECTIONS; i += 1) {
      const c = await bed.waitForReady(`c${i}`, 'True', undefined, 60_000);
      expect(condition(c, 'Authenticated')?.reason).toBe('TokenValid');
    }
    // And they really synced after the last request, with the tokens they kept.
    await expect
      .poll(
        async () => {
          const all = await Promise.all(
            Array.from({ length: CONNECTIONS }, (_, i) => bed.getConnection(`c${i}`)),
          );
          return all.every(
            (c) =>
              Date.parse(c.status!.lastSyncTime!) >=
              Date.parse(c.metadata!.annotations![SYNC_REQUESTED_ANNOTATION]!),
          );
        },
        { timeout: 30_000 },
      )
      .toBe(true);

    const stats = bed.sandbox.stats();
    expect(stats.tokenErrors.invalid_grant ?? 0).toBe(0);
    expect(stats.refreshRotations).toBeGreaterThanOrEqual(CONNECTIONS);
    // The kills did land in the danger window (each is timed to; half is the margin for load), and
    // the next process got the lost set back from Xero's grace period, as a real kill would need.
    expect(killedMidRefresh).toBeGreaterThanOrEqual(KILLS / 2);
    // A kill mid-refresh leaves its lock held: none found would mean the pattern misses the keys.
    expect(locksLeft).toBeGreaterThanOrEqual(KILLS / 2);
    expect(stats.refreshGraceReplays).toBeGreaterThanOrEqual(1);
    console.info(
      `kills: ${KILLS}, after Xero issued a token set not yet written back: ${killedMidRefresh}, rotations: ${stats.refreshRotations}, grace replays: ${stats.refreshGraceReplays}`,
    );
  });
});
