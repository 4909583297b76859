import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningReconciler } from '../app/bootstrap.js';
import { SYNC_REQUESTED_ANNOTATION } from '../reconcile/requested-sync.js';
import { condition, eventually } from '../test/harness.js';
import { useTestBed } from '../test/test-bed.js';

/** Long enough that a retry cannot be what makes the connection Ready (backoff 2 s, 4 s, 8 s …). */
const BACKOFF_AT_LEAST_MS = 6_000;
/** "Within a few seconds of the fix". */
const PICKED_UP_WITHIN_MS = 5_000;

describe('Secret watch: a fixed Secret is picked up at once (API server, sandbox, Redis, PostgreSQL)', () => {
  const bed = useTestBed({ name: 'secwatch' });
  let reconciler: RunningReconciler;
  beforeAll(async () => {
    reconciler = await bed.startReconciler();
  });
  const { kube } = bed;

  const app = () => bed.sandbox.apps.find((a) => a.kind === 'standard')!;
  const refreshToken = () =>
    bed.sandbox.grants.find((g) => g.clientId === app().clientId)!.refreshToken!;
  const createAppSecret = (name: string) =>
    bed.createSecret(name, { clientId: app().clientId, clientSecret: app().clientSecret });

  /** The grant's refresh token was rotated by the first test: copy what its Secret holds now. */
  async function copyTokenSecret(name: string): Promise<void> {
    const { namespace } = bed;
    const tokens = await kube.core.readNamespacedSecret({ namespace, name: 'broken-tokens' });
    await kube.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name, namespace }, data: tokens.data! },
    });
  }

  /** Waits for InvalidSpec with the next retry far enough away; returns when that retry is due. */
  async function failingWithLongBackoff(name: string): Promise<number> {
    return eventually(
      async () => {
        const c = await bed.getConnection(name);
        if (condition(c, 'Ready')?.reason !== 'InvalidSpec') return undefined;
        const next = Date.parse(c.status?.nextSyncTime ?? '');
        return next - Date.now() > BACKOFF_AT_LEAST_MS ? next : undefined;
      },
      40_000,
      `${name}: InvalidSpec with a retry more than ${BACKOFF_AT_LEAST_MS} ms away`,
    );
  }

  async function readyAfterFix(name: string, nextRetry: number, fix: () => Promise<void>) {
    const fixedAt = Date.now();
    await fix();
    const c = await bed.waitForReady(name, 'True', undefined, 15_000);
    const readyAt = Date.now();
    expect(readyAt - fixedAt).toBeLessThan(PICKED_UP_WITHIN_MS);
    expect(readyAt).toBeLessThan(nextRetry);
    expect(c.metadata?.annotations?.[SYNC_REQUESTED_ANNOTATION]).toBeUndefined();
    expect(c.status?.userCount).toBe(8);
    return readyAt - fixedAt;
  }

  it('a token Secret without a refresh token, then fixed: Ready within seconds, before the next retry, without the annotation', async () => {
    await createAppSecret('broken-app');
    await bed.createSecret('broken-tokens', { refresh_token: '' });
    await bed.createConnection('broken', {
      credentialsSecretRef: { name: 'broken-app' },
      tokenSecretRef: { name: 'broken-tokens' },
    });
    const nextRetry = await failingWithLongBackoff('broken');
    const c = await bed.getConnection('broken');
    expect(condition(c, 'Authenticated')?.message).toContain('broken-tokens');

    await readyAfterFix('broken', nextRetry, async () => {
      const { namespace } = bed;
      await kube.core.replaceNamespacedSecret({
        namespace,
        name: 'broken-tokens',
        body: {
          metadata: { name: 'broken-tokens', namespace },
          stringData: { refresh_token: refreshToken() },
        },
      });
    });
  });

  it('a credentials Secret created after the connection: Ready within seconds of its creation', async () => {
    await copyTokenSecret('late-tokens');
    await bed.createConnection('late', {
      credentialsSecretRef: { name: 'late-app' },
      tokenSecretRef: { name: 'late-tokens' },
    });
    const nextRetry = await failingWithLongBackoff('late');
    await readyAfterFix('late', nextRetry, () => createAppSecret('late-app'));
  });

  it('does not answer its own token write-back with another sync (no loop while Unauthorized)', async () => {
    const rotations = async () => {
      const text = await (await fetch(`${reconciler.url}/metrics`)).text();
      return Number(/xao_token_refreshes_total\{outcome="rotated"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    // Every sync now refreshes (a 401 with a stored token forces one) and writes the Secret back.
    bed.sandbox.setFaults({ unauthorized: true });
    try {
      await createAppSecret('loop-app');
      await copyTokenSecret('loop-tokens');
      await bed.createConnection('loop', {
        credentialsSecretRef: { name: 'loop-app' },
        tokenSecretRef: { name: 'loop-tokens' },
      });
      await bed.waitForReady('loop', 'False', 'Unauthorized');
      const before = await rotations();
      await new Promise((r) => setTimeout(r, 8_000));
      const during = (await rotations()) - before;
      // Backoff allows about three syncs in 8 s; a sync per write-back would make dozens.
      expect(during).toBeGreaterThan(0);
      expect(during).toBeLessThanOrEqual(4);
    } finally {
      bed.sandbox.clearFaults();
    }
  });
});
