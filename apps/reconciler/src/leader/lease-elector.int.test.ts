import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { until } from '../test/harness.js';
import { LeaseElector } from './lease-elector.js';

describe('LeaseElector with two replicas against the real API server', () => {
  let kc: KubeConfig;
  let namespace: string;
  const electors: LeaseElector[] = [];

  beforeAll(async () => {
    kc = testKubeConfig();
    namespace = await createTestNamespace(kc, 'lease');
  });

  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop()));
  });

  function elector(name: string, identity: string, log: string[]): LeaseElector {
    const e = new LeaseElector({
      kubeConfig: kc,
      namespace,
      name,
      identity,
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 300,
      logger: silentLogger,
      onStartedLeading: () => log.push(`${identity}:start`),
      onStoppedLeading: () => log.push(`${identity}:stop`),
    });
    electors.push(e);
    return e;
  }

  it('elects exactly one leader and keeps it while it renews', async () => {
    const log: string[] = [];
    const a = elector('one-leader', 'a', log);
    const b = elector('one-leader', 'b', log);
    a.start();
    b.start();
    await until(() => a.isLeader || b.isLeader, 5_000, 25);
    // Several lease durations later, still exactly one leader and no change of hands.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(Number(a.isLeader) + Number(b.isLeader)).toBe(1);
    expect(log).toHaveLength(1);
    const lease = await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace, name: 'one-leader' });
    expect(lease.spec?.holderIdentity).toBe(a.isLeader ? 'a' : 'b');
  });

  it('hands over at once when the leader releases the lease on shutdown', async () => {
    const log: string[] = [];
    const a = elector('release', 'a', log);
    a.start();
    await until(() => a.isLeader, 5_000, 25);
    const b = elector('release', 'b', log);
    b.start();
    await a.stop();
    const took = await until(() => b.isLeader, 5_000, 25);
    expect(took).toBeLessThan(2_000);
    expect(log).toEqual(['a:start', 'a:stop', 'b:start']);
  });

  it('takes over after the lease expires when the leader dies without releasing', async () => {
    const log: string[] = [];
    const a = elector('crash', 'a', log);
    a.start();
    await until(() => a.isLeader, 5_000, 25);
    const b = elector('crash', 'b', log);
    b.start();
    await new Promise((r) => setTimeout(r, 500));
    expect(b.isLeader).toBe(false);
    await a.stop({ release: false });
    const took = await until(() => b.isLeader, 10_000, 25);
    // Never before the lease (3 s) runs out, well within the 30 s budget.
    expect(took).toBeGreaterThan(1_500);
    expect(took).toBeLessThan(6_000);
    const lease = await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace, name: 'crash' });
    expect(lease.spec?.holderIdentity).toBe('b');
    expect(lease.spec?.leaseTransitions).toBe(1);
  });
});
