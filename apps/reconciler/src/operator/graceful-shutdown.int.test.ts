import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../test/harness.js';
import { tappingProxy } from '../test/tapping-proxy.js';
import { useTestBed } from '../test/test-bed.js';
import { SHUTDOWN_RESERVE_MS } from './shutdown-budget.js';

describe('a graceful stop with a sync in flight and a webhook receiver that never answers', () => {
  const bed = useTestBed({ name: 'shutdown' });
  let receiver: Server;
  let target: string;
  const received: number[] = [];

  beforeAll(async () => {
    // Takes each delivery and never answers (the sender would wait out its 10 s timeout).
    receiver = createServer(() => void received.push(Date.now()));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
  });

  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it(
    'releases the Lease once the drain ends, and exits within the grace period',
    { timeout: 120_000 },
    async () => {
      const drainMs = 1_000;
      const gracePeriodMs = 15_000;
      const lease = 'shutdown';
      let apiCalls = 0;
      const xero = await tappingProxy(bed.sandbox.apiUrl, () => void apiCalls++);
      bed.onStop(() => xero.close());
      const replica = bed.spawnReconciler(
        bed.env({
          identity: 'shutdown-1',
          extra: {
            LEADER_ELECTION_LEASE_NAME: lease,
            XERO_API_URL: xero.url,
            ALERT_WEBHOOK_URL: target,
            ALERT_WEBHOOK_SECRET: 'webhook-signing-secret-0123456789abcdef',
            SHUTDOWN_DRAIN: `${drainMs}ms`,
            SHUTDOWN_GRACE_PERIOD: `${gracePeriodMs}ms`,
          },
        }),
      );
      await replica.waitForLog('became leader', 60_000);

      // A sync whose Xero calls take 20 s: in flight well past the drain.
      bed.sandbox.setFaults({ target: 'api', latencyMs: 20_000 });
      await bed.applyAuthorizationCodeConnection('acme');
      await until(() => apiCalls > 0, 30_000);
      // An alert due for the global target: the sender posts it and waits for the answer.
      const model = await bed.openModel();
      const delivery = await model.db.webhooks.enqueue({
        eventType: 'finding.opened',
        eventId: 'shutdown-finding',
        target,
        payload: { findingId: 'shutdown-finding' },
      });
      await until(() => received.length > 0, 15_000);

      const leases = bed.kc.makeApiClient(CoordinationV1Api);
      const holder = async () =>
        (await leases.readNamespacedLease({ namespace: bed.namespace, name: lease })).spec
          ?.holderIdentity;
      expect(await holder()).toBe('shutdown-1');
      const stoppedAt = Date.now();
      const exited = replica.kill('SIGTERM');
      await until(async () => (await holder()) === '', gracePeriodMs, 20);
      const releasedAfterMs = Date.now() - stoppedAt;
      expect(await exited).toBe(0);
      const exitedAfterMs = Date.now() - stoppedAt;

      // The drain, then stopping work (the delivery aborted, not waited for), then the release.
      expect(releasedAfterMs).toBeLessThan(drainMs + SHUTDOWN_RESERVE_MS.stopWork);
      expect(exitedAfterMs).toBeLessThan(gracePeriodMs);
      expect(replica.logs.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          'stopped: in-flight work handed back',
          'webhook delivery aborted by stopping: it is sent again later',
          'released the leader lease',
        ]),
      );
      // Not an attempt: still due for the next leader.
      const [due] = await model.db.webhooks.due(new Date(), 10);
      expect(due).toMatchObject({ id: delivery.id, attempts: 0 });
      console.info(
        `Lease released ${releasedAfterMs} ms after SIGTERM, exit after ${exitedAfterMs} ms`,
      );
    },
  );
});
