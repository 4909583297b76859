import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import {
  blackHoleProxy,
  createTestNamespace,
  testKubeConfig,
  type BlackHoleProxy,
} from '@xero-access/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { until } from '../test/harness.js';
import { systemLeaseClock, type LeaseClock } from './lease-clock.js';
import { LeaseElector } from './lease-elector.js';

describe('LeaseElector with two replicas against the real API server', () => {
  let kc: KubeConfig;
  let namespace: string;
  const electors: LeaseElector[] = [];
  const proxies: BlackHoleProxy[] = [];
  /** When each `identity:start` and `identity:stop` of the log happened. */
  const at = new Map<string, number>();

  beforeAll(async () => {
    kc = testKubeConfig();
    namespace = await createTestNamespace(kc, 'lease');
  });

  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    at.clear();
  });

  /** Timings of a test: the defaults are short; a test that bounds a duration widens the gap it measures. */
  interface Timings {
    kubeConfig?: KubeConfig;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    clock?: LeaseClock;
  }

  function elector(
    name: string,
    identity: string,
    log: string[],
    { kubeConfig = kc, leaseDurationMs = 3_000, renewDeadlineMs = 2_000, clock }: Timings = {},
  ): LeaseElector {
    const e = new LeaseElector({
      kubeConfig,
      namespace,
      name,
      identity,
      leaseDurationMs,
      renewDeadlineMs,
      retryPeriodMs: 300,
      logger: silentLogger,
      clock,
      onStartedLeading: () => record(log, `${identity}:start`),
      onStoppedLeading: () => record(log, `${identity}:stop`),
    });
    electors.push(e);
    return e;
  }

  /** The system's clocks, with the wall clock stepped by `stepMs` once `step` is called (NTP). */
  function steppedClock(stepMs: number): LeaseClock & { step(): void } {
    let offsetMs = 0;
    return {
      wall: () => systemLeaseClock.wall() + offsetMs,
      monotonic: () => systemLeaseClock.monotonic(),
      step: () => (offsetMs = stepMs),
    };
  }

  function record(log: string[], entry: string): void {
    log.push(entry);
    at.set(entry, Date.now());
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
    // A long lease: without the release b would wait it out (20 s), so the bound can be generous.
    const timings = { leaseDurationMs: 20_000, renewDeadlineMs: 15_000 };
    const log: string[] = [];
    const a = elector('release', 'a', log, timings);
    a.start();
    await until(() => a.isLeader, 5_000, 25);
    const b = elector('release', 'b', log, timings);
    b.start();
    await a.stop();
    const took = await until(() => b.isLeader, 30_000, 25);
    expect(took).toBeLessThan(timings.leaseDurationMs / 2);
    expect(log).toEqual(['a:start', 'a:stop', 'b:start']);
  });

  it('takes over after the lease expires when the leader dies without releasing', async () => {
    const timings = { leaseDurationMs: 8_000, renewDeadlineMs: 5_000 };
    const leases = kc.makeApiClient(CoordinationV1Api);
    const log: string[] = [];
    const a = elector('crash', 'a', log, timings);
    a.start();
    await until(() => a.isLeader, 5_000, 25);
    const b = elector('crash', 'b', log, timings);
    b.start();
    await new Promise((r) => setTimeout(r, 500));
    expect(b.isLeader).toBe(false);
    await a.stop({ release: false });
    const lastRenewal = (await leases.readNamespacedLease({ namespace, name: 'crash' })).spec!
      .renewTime!;
    await until(() => b.isLeader, 20_000, 25);
    // Not before the lease runs out (b counts from the start of the read that showed it that
    // renewal: give or take a second; one taking over at the renew deadline fails), and within
    // half a lease after (4 s for load): a standby waiting it out twice fails.
    const afterLastRenewal = at.get('b:start')! - new Date(lastRenewal).getTime();
    expect(afterLastRenewal).toBeGreaterThan(timings.leaseDurationMs - 1_000);
    expect(afterLastRenewal).toBeLessThan(1.5 * timings.leaseDurationMs);
    const lease = await leases.readNamespacedLease({ namespace, name: 'crash' });
    expect(lease.spec?.holderIdentity).toBe('b');
    expect(lease.spec?.leaseTransitions).toBe(1);
  });

  it('a leader whose renewal hangs steps down at its renew deadline, before the standby takes over', async () => {
    // The renew deadline (2 s) well apart from the lease (6 s): stepping down at the deadline and
    // at the lease's end cannot be confused, however slow the machine.
    const timings = { leaseDurationMs: 6_000, renewDeadlineMs: 2_000 };
    const log: string[] = [];
    const proxy = await blackHoleProxy(kc);
    proxies.push(proxy);
    const a = elector('hung-renewal', 'a', log, { ...timings, kubeConfig: proxy.kubeConfig });
    a.start();
    await until(() => a.isLeader, 5_000, 25);
    const b = elector('hung-renewal', 'b', log, timings);
    b.start();
    await new Promise((r) => setTimeout(r, 500));

    // From now on a's requests neither fail nor answer.
    const blackHoledAt = Date.now();
    proxy.blackHole();
    await until(() => b.isLeader, 20_000, 25);
    expect(log).toEqual(['a:start', 'a:stop', 'b:start']);
    // The renew deadline runs from a's last renewal, which started before the black hole. The
    // margin is half of the 4 s (leaseDuration - renewDeadline) the standby waits longer: a
    // leader holding on until its lease runs out fails it.
    const steppedDownAfter = at.get('a:stop')! - blackHoledAt;
    expect(steppedDownAfter).toBeLessThan(
      timings.renewDeadlineMs + (timings.leaseDurationMs - timings.renewDeadlineMs) / 2,
    );
    // b waits out the lease (3 s) from a's last renewal: after a stopped, not before.
    expect(at.get('b:start')! - at.get('a:stop')!).toBeGreaterThan(0);
    console.info(
      `hung renewal: stepped down after ${steppedDownAfter} ms, taken over after ${at.get('b:start')! - blackHoledAt} ms`,
    );
    // Its requests still hang: a stays a standby.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(a.isLeader).toBe(false);
    expect(log).toEqual(['a:start', 'a:stop', 'b:start']);
  });

  // An NTP step of the wall clock: what either side decides is measured on the monotonic clock.
  describe('with the wall clock stepped', () => {
    /** The lease 4 s longer than the renew deadline, as above. */
    const timings = { leaseDurationMs: 8_000, renewDeadlineMs: 4_000 };

    /** a leads behind a proxy, b stands by; then a's requests hang. */
    async function hangLeader(
      name: string,
      clocks: { a?: LeaseClock; b?: LeaseClock },
      log: string[],
    ): Promise<number> {
      const proxy = await blackHoleProxy(kc);
      proxies.push(proxy);
      const a = elector(name, 'a', log, {
        ...timings,
        kubeConfig: proxy.kubeConfig,
        clock: clocks.a,
      });
      a.start();
      await until(() => a.isLeader, 5_000, 25);
      elector(name, 'b', log, { ...timings, clock: clocks.b }).start();
      await new Promise((r) => setTimeout(r, 500));
      proxy.blackHole();
      return Date.now();
    }

    it('back 20 s on the leader after its last renewal: it still steps down at its renew deadline', async () => {
      const log: string[] = [];
      const clock = steppedClock(-20_000);
      const blackHoledAt = await hangLeader('stepped-back', { a: clock }, log);
      // a's requests hang from now on: its last successful renewal started before the step.
      clock.step();
      await until(() => log.includes('b:start'), 30_000, 25);
      // On the wall clock its deadline moved 20 s away: going by it, a would still lead when b
      // takes over (8 s), two leaders.
      expect(log).toEqual(['a:start', 'a:stop', 'b:start']);
      expect(at.get('a:stop')! - blackHoledAt).toBeLessThan(
        timings.renewDeadlineMs + (timings.leaseDurationMs - timings.renewDeadlineMs) / 2,
      );
    });

    it('forward 20 s on the standby: it takes over no sooner than the lease runs out', async () => {
      const log: string[] = [];
      const clock = steppedClock(20_000);
      const blackHoledAt = await hangLeader('stepped-forward', { b: clock }, log);
      // After b has read the last write of a's (one sent as the black hole began may still land).
      await new Promise((r) => setTimeout(r, 1_000));
      clock.step();
      await until(() => log.includes('b:start'), 30_000, 25);
      // On the wall clock the lease ran out with the step: going by it, b would take it over
      // while a still leads (until its renew deadline, 4 s), two leaders.
      expect(log).toEqual(['a:start', 'a:stop', 'b:start']);
      expect(at.get('b:start')! - blackHoledAt).toBeGreaterThan(timings.leaseDurationMs - 1_000);
    });
  });
});
