import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { condition, holdLease, until } from '../test/harness.js';
import { kubeTappingProxy, tappingProxy } from '../test/tapping-proxy.js';
import { useTestBed, type TestBed } from '../test/test-bed.js';
import { readTokenSecret } from '../token/token-secret.js';

/**
 * Xero's API through a proxy that never answers a call for the Acme Finance organisation (the
 * authorization-code grant's); `held` counts those calls, `abandoned` the ones the client gave up.
 */
async function hangingAcmeFinance(bed: TestBed) {
  const acme = bed.sandbox.tenants.find((t) => t.name === 'Acme Finance Ltd')!.tenantId;
  const counts = { held: 0, abandoned: 0, all: 0 };
  const proxy = await tappingProxy(bed.sandbox.apiUrl, (request: IncomingMessage) => {
    counts.all++;
    if (request.headers['xero-tenant-id'] !== acme) return;
    counts.held++;
    request.socket.once('close', () => counts.abandoned++);
    return 'hold';
  });
  bed.onStop(() => proxy.close());
  return { url: proxy.url, counts };
}

describe('one worker and a Xero organisation that never answers', () => {
  const bed = useTestBed({ name: 'sync-timeout' });

  it(
    'times the sync out (SyncTimedOut), abandons its call, and another connection still becomes Ready',
    { timeout: 120_000 },
    async () => {
      const xero = await hangingAcmeFinance(bed);
      const replica = bed.spawnReconciler(
        bed.env({
          identity: 'sync-timeout-1',
          extra: { WORKERS: '1', SYNC_TIMEOUT: '3s', XERO_API_URL: xero.url },
        }),
      );
      await replica.waitForLog('became leader', 60_000);
      await bed.applyAuthorizationCodeConnection('hung');
      await until(() => xero.counts.held > 0, 30_000);

      // The only worker is in the hung sync: this connection waits for it to end.
      const custom = bed.sandbox.apps.find((app) => app.kind === 'custom-connection')!;
      await bed.createSecret('payments-app', {
        clientId: custom.clientId,
        clientSecret: custom.clientSecret,
      });
      await bed.createConnection('payments', {
        authFlow: 'ClientCredentials',
        credentialsSecretRef: { name: 'payments-app' },
        scopes: ['accounting.settings.read'],
      });
      // Without a deadline the hung call would hold the worker for 4 tries of 30 s.
      const payments = await bed.waitForReady('payments', 'True', undefined, 20_000);
      expect(payments.status?.tenants?.[0]?.tenantName).toBe('Acme Payments Pty Ltd');

      const hung = await bed.waitForReady('hung', 'False', 'SyncTimedOut', 10_000);
      expect(condition(hung, 'Synced')).toMatchObject({
        status: 'False',
        reason: 'SyncTimedOut',
        message: expect.stringContaining('within SYNC_TIMEOUT (3 s)') as unknown,
      });
      // A failed sync like any other: nothing recorded, retried with backoff.
      expect(hung.status?.nextSyncTime).toBeDefined();
      expect(hung.status?.lastSyncTime).toBeUndefined();
      // The call itself was given up (its connection closed), not left to hang beside the next.
      expect(xero.counts.abandoned).toBeGreaterThan(0);
      const logged = await replica.waitForLog(
        'sync timed out: its Xero and Kubernetes calls were abandoned',
      );
      expect(logged).toMatchObject({
        connection: `${bed.namespace}/hung`,
        reason: 'SyncTimedOut',
        syncTimeoutMs: 3_000,
      });
    },
  );
});

describe('a rate limit that frees after the sync deadline', () => {
  const bed = useTestBed({ name: 'sync-rate-wait' });

  it('gives up at once (RateLimited) and is requeued for when the limit frees', async () => {
    const acme = bed.sandbox.tenants.find((t) => t.name === 'Acme Finance Ltd')!.tenantId;
    await bed.startReconciler({ SYNC_TIMEOUT: '10s' });
    // Xero answers the organisation's first call 429 with a minute's Retry-After.
    bed.sandbox.forceRateLimit('minute', 60, 1, acme);
    const startedAt = Date.now();
    await bed.applyAuthorizationCodeConnection('acme');
    // Before the 10 s deadline: the wait is not begun, nor held until the deadline ends it.
    const limited = await bed.waitForReady('acme', 'False', 'RateLimited', 8_000);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(condition(limited, 'Synced')?.reason).toBe('RateLimited');
    expect(Date.parse(limited.status!.nextSyncTime!)).toBeGreaterThanOrEqual(startedAt + 60_000);
  });
});

describe('a leader that loses the Lease while a Xero call hangs', () => {
  const bed = useTestBed({ name: 'sync-fenced' });

  it(
    'aborts the call at once, writes nothing for the sync and calls Xero no more',
    { timeout: 120_000 },
    async () => {
      const lease = 'sync-fenced';
      const xero = await hangingAcmeFinance(bed);
      const replica = bed.spawnReconciler(
        bed.env({
          identity: 'sync-fenced-1',
          // SYNC_TIMEOUT is left at 2 min: only losing the Lease can end this sync in time. The
          // drain outlasts the test, so the term ends only once the reconcile has returned.
          extra: {
            LEADER_ELECTION_LEASE_NAME: lease,
            XERO_API_URL: xero.url,
            SHUTDOWN_DRAIN: '60s',
            SHUTDOWN_GRACE_PERIOD: '75s',
          },
        }),
      );
      await replica.waitForLog('became leader', 60_000);
      await bed.applyAuthorizationCodeConnection('acme');
      await until(() => xero.counts.held > 0, 30_000);

      const release = holdLease(bed.kc, bed.namespace, lease, 'someone-else');
      bed.onStop(release);
      await replica.waitForLog('could not renew the leader lease in time: stepping down', 15_000);
      const callsAtStepDown = xero.counts.all;
      await replica.waitForLog('stopped: in-flight work finished', 10_000);
      expect(xero.counts.abandoned).toBe(xero.counts.held);
      expect(replica.logs.map((l) => l.msg)).toContain(
        'reconcile stopped before writing: no longer leading',
      );
      const connection = await bed.getConnection('acme');
      expect(connection.status?.lastSyncTime).toBeUndefined();
      expect(condition(connection, 'Ready')).toBeUndefined();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(xero.counts.all).toBe(callsAtStepDown);
    },
  );
});

/** Whether `request` is a GET or PUT of the named Secret in `namespace`. */
const secretCall = (request: IncomingMessage, method: string, namespace: string, name: string) =>
  request.method === method &&
  (request.url ?? '').split('?')[0]!.endsWith(`/namespaces/${namespace}/secrets/${name}`);

describe('a Secret read that never answers', () => {
  const bed = useTestBed({ name: 'secret-timeout' });

  it(
    'times the sync out (SyncTimedOut) and abandons the read, for the credentials and the token Secret alike',
    { timeout: 120_000 },
    async () => {
      // The API server never answers a GET of the Secret named here.
      let holding: string | undefined = 'acme-app';
      const held: Record<string, number> = {};
      const abandoned: Record<string, number> = {};
      const kube = await kubeTappingProxy(bed.kc, (request) => {
        const name = holding;
        if (!name || !secretCall(request, 'GET', bed.namespace, name)) return;
        held[name] = (held[name] ?? 0) + 1;
        request.socket.once('close', () => (abandoned[name] = (abandoned[name] ?? 0) + 1));
        return 'hold';
      });
      bed.onStop(() => kube.close());
      await bed.startReconciler({ KUBECONFIG: kube.kubeconfigPath, SYNC_TIMEOUT: '3s' });

      await bed.applyAuthorizationCodeConnection('acme');
      const timedOut = await bed.waitForReady('acme', 'False', 'SyncTimedOut', 15_000);
      expect(condition(timedOut, 'Ready')?.message).toContain('within SYNC_TIMEOUT (3 s)');
      expect(held['acme-app']).toBeGreaterThan(0);
      await until(() => (abandoned['acme-app'] ?? 0) > 0, 5_000);

      // The retry reads the credentials, then the token Secret, whose read hangs in turn.
      holding = 'acme-tokens';
      await until(() => (abandoned['acme-tokens'] ?? 0) > 0, 30_000);
      expect(condition(await bed.getConnection('acme'), 'Ready')?.reason).toBe('SyncTimedOut');

      holding = undefined;
      await bed.waitForReady('acme', 'True', undefined, 60_000);
    },
  );
});

describe('a token write-back slower than the sync deadline', () => {
  const bed = useTestBed({ name: 'write-back-slow' });

  it(
    'is not cut by the deadline: the rotated set is stored, and the retry uses it',
    { timeout: 120_000 },
    async () => {
      // The first write of the token Secret reaches the API server only after 5 s.
      const writeBack = { delayed: 0, abandoned: false };
      const kube = await kubeTappingProxy(bed.kc, (request) => {
        if (writeBack.delayed > 0 || !secretCall(request, 'PUT', bed.namespace, 'acme-tokens'))
          return;
        writeBack.delayed++;
        let closed = false;
        request.socket.once('close', () => (closed = true));
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            writeBack.abandoned = closed;
            resolve();
          }, 5_000),
        );
      });
      bed.onStop(() => kube.close());
      await bed.startReconciler({ KUBECONFIG: kube.kubeconfigPath, SYNC_TIMEOUT: '3s' });

      await bed.applyAuthorizationCodeConnection('acme');
      // The sync ran out of time while the write-back waited, and the write-back went on.
      await bed.waitForReady('acme', 'False', 'SyncTimedOut', 20_000);
      expect(writeBack).toEqual({ delayed: 1, abandoned: false });
      const { tokens } = await readTokenSecret(bed.kube.core, bed.namespace, 'acme-tokens');
      expect(tokens.rotatedAt).toBeInstanceOf(Date);

      await bed.waitForReady('acme', 'True', undefined, 60_000);
      const stats = bed.sandbox.stats();
      expect(stats.refreshRotations).toBe(1);
      expect(stats.tokenErrors).toEqual({});
    },
  );
});
