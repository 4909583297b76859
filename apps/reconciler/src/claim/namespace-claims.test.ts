import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LeaseApi } from '../leader/lease-lock.js';
import { createLogger, silentLogger } from '../logging/logger.js';
import { memorySink } from '../test/memory-sink.js';
import {
  CLAIM_IDLE_MS,
  CLAIM_LEASE_NAME,
  claimRenewalsInFlight,
  ClaimLostError,
  NamespaceClaims,
  type NamespaceClaimsOptions,
} from './namespace-claims.js';

const apiError = (code: number): Error => Object.assign(new Error(`HTTP ${code}`), { code });

/**
 * Leases in memory, with the API server's resourceVersion checks; `failing` makes every call fail,
 * `latencyMs` answers each that much later (on the faked clock). `requests` are the calls made, by
 * namespace and when; `maxInFlight` the most that were awaiting their answer at once.
 */
class LeaseStore implements LeaseApi {
  readonly leases = new Map<string, V1Lease>();
  calls = 0;
  failing = false;
  latencyMs = 0;
  requests: { namespace: string; at: number }[] = [];
  maxInFlight = 0;
  private inFlight = 0;
  private version = 0;

  async readNamespacedLease(p: { namespace: string; name: string }): Promise<V1Lease> {
    await this.call(p.namespace);
    const lease = this.leases.get(`${p.namespace}/${p.name}`);
    if (!lease) throw apiError(404);
    return structuredClone(lease);
  }

  async createNamespacedLease(p: { namespace: string; body: V1Lease }): Promise<V1Lease> {
    await this.call(p.namespace);
    const key = `${p.namespace}/${p.body.metadata!.name}`;
    if (this.leases.has(key)) throw apiError(409);
    return this.store(key, p.body);
  }

  async replaceNamespacedLease(p: {
    namespace: string;
    name: string;
    body: V1Lease;
  }): Promise<V1Lease> {
    await this.call(p.namespace);
    const key = `${p.namespace}/${p.name}`;
    const current = this.leases.get(key);
    if (!current) throw apiError(404);
    if (current.metadata!.resourceVersion !== p.body.metadata?.resourceVersion) throw apiError(409);
    return this.store(key, p.body);
  }

  /**
   * Another release's leader writes the claim: its holder, renewed now (or at `renewTime`). Now is
   * the faked clock: V1MicroTime binds the real Date when it loads.
   */
  renewAs(namespace: string, holder: string, renewTime = new V1MicroTime(Date.now())): void {
    const key = `${namespace}/${CLAIM_LEASE_NAME}`;
    const current = this.leases.get(key);
    this.store(key, {
      metadata: { ...current?.metadata, name: CLAIM_LEASE_NAME, namespace },
      spec: {
        ...current?.spec,
        holderIdentity: holder,
        leaseDurationSeconds: 60,
        renewTime,
      },
    });
  }

  holder(namespace: string): string | undefined {
    return this.leases.get(`${namespace}/${CLAIM_LEASE_NAME}`)?.spec?.holderIdentity;
  }

  private async call(namespace: string): Promise<void> {
    this.calls += 1;
    this.requests.push({ namespace, at: Date.now() });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    } finally {
      this.inFlight -= 1;
    }
    if (this.failing) throw apiError(500);
  }

  private store(key: string, body: V1Lease): V1Lease {
    this.version += 1;
    const stored = structuredClone({
      ...body,
      metadata: { ...body.metadata, resourceVersion: String(this.version) },
    });
    this.leases.set(key, stored);
    return structuredClone(stored);
  }
}

describe('NamespaceClaims', () => {
  let store: LeaseStore;
  let claims: NamespaceClaims;

  const start = (options: Partial<NamespaceClaimsOptions> = {}): void => {
    claims = new NamespaceClaims({
      api: store,
      identity: 'xao/release-a',
      durationMs: 60_000,
      renewPeriodMs: 20_000,
      resyncMs: 10 * 60_000,
      logger: silentLogger,
      ...options,
    });
    claims.start();
  };
  /** Replaces the claims under test with ones made with `options`. */
  const claimsWith = async (options: Partial<NamespaceClaimsOptions>): Promise<void> => {
    await claims.stop();
    start(options);
  };

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    store = new LeaseStore();
    start();
  });

  afterEach(async () => {
    await claims.stop();
    vi.useRealTimers();
  });

  it('creates the claim when absent, renews it every renew period, and asks no more meanwhile', async () => {
    const claim = await claims.check('finance');
    expect(claim.held).toBe(true);
    expect(store.holder('finance')).toBe('xao/release-a');
    const calls = store.calls;
    expect((await claims.check('finance')).held).toBe(true);
    expect(store.calls).toBe(calls);

    const renewTime = () =>
      Date.parse(String(store.leases.get(`finance/${CLAIM_LEASE_NAME}`)!.spec!.renewTime));
    const first = renewTime();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(renewTime() - first).toBeGreaterThanOrEqual(4 * 60_000);
    expect(claim.held && claim.lost.aborted).toBe(false);
  });

  it('never takes a claim another release keeps renewing, and says when to look again', async () => {
    store.renewAs('finance', 'xao/release-b');
    expect(await claims.check('finance')).toEqual({
      held: false,
      holder: 'xao/release-b',
      retryAfterMs: 60_000,
    });
    for (let i = 0; i < 15; i += 1) {
      await vi.advanceTimersByTimeAsync(20_000);
      expect(store.holder('finance')).toBe('xao/release-b');
      store.renewAs('finance', 'xao/release-b');
    }
    const claim = await claims.check('finance');
    expect(claim).toMatchObject({ held: false, holder: 'xao/release-b' });
    expect(store.holder('finance')).toBe('xao/release-b');
  });

  // client-go compares the whole record: a holder whose clock gives the same renewTime twice
  // (coarse, or stepped back) still renews, and its resourceVersion says so.
  it('counts any write of the claim as a renewal, even one repeating its renewTime', async () => {
    store.renewAs('finance', 'xao/release-b');
    const renewTime = store.leases.get(`finance/${CLAIM_LEASE_NAME}`)!.spec!.renewTime;
    expect((await claims.check('finance')).held).toBe(false);
    for (let i = 0; i < 6; i += 1) {
      await vi.advanceTimersByTimeAsync(20_000);
      expect(store.holder('finance')).toBe('xao/release-b');
      store.renewAs('finance', 'xao/release-b', renewTime);
    }
    expect((await claims.check('finance')).held).toBe(false);
    expect(store.holder('finance')).toBe('xao/release-b');
  });

  it('takes over a claim not renewed for its duration, not before', async () => {
    store.renewAs('finance', 'xao/release-b');
    expect((await claims.check('finance')).held).toBe(false);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(store.holder('finance')).toBe('xao/release-b');
    // Looked at every renew period: taken at the first look after its duration.
    await vi.advanceTimersByTimeAsync(21_000);
    expect(store.holder('finance')).toBe('xao/release-a');
    expect(store.leases.get(`finance/${CLAIM_LEASE_NAME}`)!.spec!.leaseTransitions).toBe(1);
    expect((await claims.check('finance')).held).toBe(true);
  });

  it('keeps the claim an earlier leader of its release holds, expired or not (no take-over)', async () => {
    store.renewAs('finance', 'xao/release-a');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect((await claims.check('finance')).held).toBe(true);
    expect(store.leases.get(`finance/${CLAIM_LEASE_NAME}`)!.spec!.leaseTransitions).toBe(0);
  });

  it('stops counting on a claim it cannot renew at duration − renew period, before another may take it', async () => {
    const claim = await claims.check('finance');
    if (!claim.held) throw new Error('not held');
    store.failing = true;
    await vi.advanceTimersByTimeAsync(39_000);
    expect(claim.lost.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(claim.lost.aborted).toBe(true);
    expect(claim.lost.reason).toBeInstanceOf(ClaimLostError);
    await expect(claims.check('finance')).rejects.toThrow(
      /could not tell whether this release \(xao\/release-a\) holds the claim on namespace finance/,
    );
  });

  // An NTP step: vi.setSystemTime moves the wall clock (Date) only, as a step does; the
  // monotonic clock (performance.now) and the timers go on.
  describe('with the wall clock stepped', () => {
    it('back during a renewal: still lost at duration − renew period after it started', async () => {
      // Claimed by a read and a create of 1 s each; the step comes while the read is in flight.
      store.latencyMs = 1_000;
      const checking = claims.check('finance');
      await vi.advanceTimersByTimeAsync(500);
      vi.setSystemTime(Date.now() - 20_000);
      await vi.advanceTimersByTimeAsync(1_500);
      const claim = await checking;
      if (!claim.held) throw new Error('not held');
      store.latencyMs = 0;
      store.failing = true;
      await vi.advanceTimersByTimeAsync(37_000);
      expect(claim.lost.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(claim.lost.aborted).toBe(true);
    });

    it('forward on the standby: no take-over before the claim went unrenewed for its duration', async () => {
      store.renewAs('finance', 'xao/release-b');
      expect((await claims.check('finance')).held).toBe(false);
      vi.setSystemTime(Date.now() + 50_000);
      await vi.advanceTimersByTimeAsync(21_000);
      expect(store.holder('finance')).toBe('xao/release-b');
      expect(await claims.check('finance')).toMatchObject({
        held: false,
        retryAfterMs: 60_000 - 21_000,
      });
      // Looked at every renew period: taken at the first look after its duration.
      await vi.advanceTimersByTimeAsync(59_000);
      expect(store.holder('finance')).toBe('xao/release-a');
    });
  });

  it('loses the claim at once when it finds another release holding it', async () => {
    const claim = await claims.check('finance');
    if (!claim.held) throw new Error('not held');
    store.renewAs('finance', 'xao/release-b');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(claim.lost.aborted).toBe(true);
    expect(await claims.check('finance')).toMatchObject({ held: false, holder: 'xao/release-b' });
  });

  it('claims each namespace on its own', async () => {
    store.renewAs('payroll', 'xao/release-b');
    expect((await claims.check('finance')).held).toBe(true);
    expect((await claims.check('payroll')).held).toBe(false);
  });

  it(`renews many claims spread over the renew period, ${claimRenewalsInFlight(50, 20_000)} requests at most at once`, async () => {
    const namespaces = Array.from({ length: 50 }, (_, i) => `team-${i}`);
    for (const namespace of namespaces) expect((await claims.check(namespace)).held).toBe(true);
    // An API server that takes a second per request: 50 renewals at once would be 50 in flight.
    store.latencyMs = 1_000;
    store.requests = [];
    store.maxInFlight = 0;
    await vi.advanceTimersByTimeAsync(5 * 20_000);
    expect(store.maxInFlight).toBeGreaterThan(1);
    expect(store.maxInFlight).toBeLessThanOrEqual(claimRenewalsInFlight(50, 20_000));
    // Each renewed in each period (a read and a write), none lost; a period's requests are not
    // one burst: they start in most of its seconds.
    const lastPeriod = store.requests.filter((r) => r.at >= Date.now() - 20_000);
    const seconds = new Set(lastPeriod.map((r) => Math.floor(r.at / 1000)));
    expect(seconds.size).toBeGreaterThanOrEqual(15);
    for (const namespace of namespaces) {
      expect(lastPeriod.filter((r) => r.namespace === namespace).length).toBeGreaterThanOrEqual(2);
      expect((await claims.check(namespace)).held).toBe(true);
    }
  });

  it('releases a claim no reconcile has needed for its idle time, and claims it again when one does', async () => {
    const finance = await claims.check('finance');
    if (!finance.held) throw new Error('not held');
    // payroll's XeroConnections are reconciled every few minutes; finance's are gone.
    for (let elapsed = 0; elapsed < CLAIM_IDLE_MS + 40_000; elapsed += 60_000) {
      expect((await claims.check('payroll')).held).toBe(true);
      await vi.advanceTimersByTimeAsync(60_000);
    }
    expect(store.holder('finance')).toBe('');
    expect(finance.lost.aborted).toBe(true);
    const released = store.leases.get(`finance/${CLAIM_LEASE_NAME}`)!.metadata!.resourceVersion;
    const requests = store.requests.length;
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    // No longer renewed, nor read; payroll's claim is, without being checked meanwhile.
    expect(store.leases.get(`finance/${CLAIM_LEASE_NAME}`)!.metadata!.resourceVersion).toBe(
      released,
    );
    expect(store.requests.slice(requests).some((r) => r.namespace === 'finance')).toBe(false);
    expect(store.requests.slice(requests).some((r) => r.namespace === 'payroll')).toBe(true);
    expect(store.holder('payroll')).toBe('xao/release-a');

    expect((await claims.check('finance')).held).toBe(true);
    expect(store.holder('finance')).toBe('xao/release-a');
  });

  it('keeps a claim while a reconcile runs under it, however long, and counts its idle time from its end', async () => {
    expect((await claims.check('finance')).held).toBe(true);
    let finish!: () => void;
    const reconcile = claims.using('finance', () => new Promise<void>((r) => (finish = r)));
    await vi.advanceTimersByTimeAsync(CLAIM_IDLE_MS + 5 * 60_000);
    expect(store.holder('finance')).toBe('xao/release-a');
    finish();
    await reconcile;
    await vi.advanceTimersByTimeAsync(CLAIM_IDLE_MS - 60_000);
    expect(store.holder('finance')).toBe('xao/release-a');
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(store.holder('finance')).toBe('');
  });

  it('an API server failing its Lease requests for an hour: logged when it starts, then every 5 minutes, and once when it answers again', async () => {
    const { sink, lines } = memorySink();
    await claimsWith({ logger: createLogger('info', sink) });
    expect((await claims.check('finance')).held).toBe(true);
    let finish!: () => void;
    const reconcile = claims.using('finance', () => new Promise<void>((r) => (finish = r)));
    store.failing = true;
    // Looked at every 20 s: 180 failed requests.
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    const failed = lines().filter((l) => l.msg === 'reading the namespace claim failed');
    expect(failed).toHaveLength(12);
    expect(failed[0]).toMatchObject({
      level: 'warn',
      lease: `finance/${CLAIM_LEASE_NAME}`,
      error: 'HTTP 500',
    });
    expect(failed[1]).toMatchObject({ failedAttempts: 16, failingForMs: 5 * 60_000 });

    store.failing = false;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(
      lines().filter((l) => l.msg === 'the API server answers the namespace claim requests again'),
    ).toEqual([expect.objectContaining({ level: 'info', failedAttempts: 180 })]);
    finish();
    await reconcile;
  });

  it('leaves a claim alone that another process of the release renewed meanwhile', async () => {
    expect((await claims.check('finance')).held).toBe(true);
    await vi.advanceTimersByTimeAsync(CLAIM_IDLE_MS - 1);
    // The release's next leader (same identity) renews it after this one's last look at it.
    store.renewAs('finance', 'xao/release-a');
    const requests = store.requests.length;
    await vi.advanceTimersByTimeAsync(40_000);
    // Dropped, read once to be released, and left as the other process wrote it.
    expect(store.requests.slice(requests).filter((r) => r.namespace === 'finance')).toHaveLength(1);
    expect(store.holder('finance')).toBe('xao/release-a');
  });
  // A look at a held claim is a read then a write: 1.2 s here. 300 claims every 20 s need 15
  // looks a second, 18 in flight; a fixed 8 would manage 6.7 a second, and lose claims at 40 s.
  it('keeps 300 claims on a slow API server, with as many requests in flight as they need', async () => {
    const { sink, lines } = memorySink();
    const late: number[] = [];
    await claimsWith({
      logger: createLogger('info', sink),
      onLate: (claims) => late.push(claims),
    });
    store.latencyMs = 600;
    const namespaces = Array.from({ length: 300 }, (_, i) => `team-${i}`);
    const checking = Promise.all(namespaces.map((namespace) => claims.check(namespace)));
    await vi.advanceTimersByTimeAsync(2 * 600);
    const checks = await checking;
    store.maxInFlight = 0;
    await vi.advanceTimersByTimeAsync(6 * 20_000);
    for (const check of checks) expect(check.held && !check.lost.aborted).toBe(true);
    for (const namespace of namespaces) expect(store.holder(namespace)).toBe('xao/release-a');
    expect(store.maxInFlight).toBeLessThanOrEqual(claimRenewalsInFlight(300, 20_000));
    expect(late).toEqual([]);
    expect(lines().filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('renews the claims it holds before looking at those held elsewhere, and warns (once a minute) when it renews late', async () => {
    const { sink, lines } = memorySink();
    const late: number[] = [];
    // Two requests in flight at most, 0.6 s each: 0.5 of them needed by the 20 held claims'
    // renewals (1.2 s each), 1.8 by looks at the 60 others' (0.6 s each).
    await claimsWith({
      renewalsInFlight: 2,
      logger: createLogger('info', sink),
      onLate: (claims) => late.push(claims),
    });
    const held = Array.from({ length: 20 }, (_, i) => `ours-${i}`);
    const elsewhere = Array.from({ length: 60 }, (_, i) => `theirs-${i}`);
    for (const namespace of elsewhere) store.renewAs(namespace, 'xao/release-b');
    const checks = await Promise.all(held.map((namespace) => claims.check(namespace)));
    for (const namespace of elsewhere) expect((await claims.check(namespace)).held).toBe(false);
    store.latencyMs = 600;
    for (let i = 0; i < 8; i += 1) {
      await vi.advanceTimersByTimeAsync(20_000);
      for (const namespace of elsewhere) store.renewAs(namespace, 'xao/release-b');
    }
    for (const check of checks) expect(check.held && !check.lost.aborted).toBe(true);
    for (const namespace of elsewhere) expect(store.holder(namespace)).toBe('xao/release-b');
    expect(late).toEqual([]);

    // Now 120 held claims need 7.2 of the 2: renewals fall behind, and that is told.
    const more = Array.from({ length: 100 }, (_, i) => `more-${i}`);
    const adding = Promise.allSettled(more.map((namespace) => claims.check(namespace)));
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    await adding;
    expect(Math.max(...late)).toBeGreaterThan(0);
    const warnings = lines().filter((l) =>
      String(l.msg).startsWith('namespace claims are renewed late'),
    );
    expect(warnings.length).toBeGreaterThanOrEqual(2);
    expect(warnings.length).toBeLessThanOrEqual(4);
    expect(warnings[0]).toMatchObject({ level: 'warn', identity: 'xao/release-a' });
    await claims.stop();
    expect(late.at(-1)).toBe(0);
  });

  it('never releases a claim for being idle while resync is off: nothing else reconciles its connections in time', async () => {
    await claimsWith({ resyncMs: 0 });
    const finance = await claims.check('finance');
    if (!finance.held) throw new Error('not held');
    await vi.advanceTimersByTimeAsync(6 * 60 * 60_000);
    expect(store.holder('finance')).toBe('xao/release-a');
    expect(finance.lost.aborted).toBe(false);
  });

  it('keeps an idle claim for three resync periods when that is longer than 30 minutes', async () => {
    await claimsWith({ resyncMs: 60 * 60_000 });
    const finance = await claims.check('finance');
    if (!finance.held) throw new Error('not held');
    // A connection synced hourly by the resync: idle for 30 minutes and more between reconciles.
    await vi.advanceTimersByTimeAsync(CLAIM_IDLE_MS + 20 * 60_000);
    expect(store.holder('finance')).toBe('xao/release-a');
    await vi.advanceTimersByTimeAsync(3 * 60 * 60_000 - CLAIM_IDLE_MS - 21 * 60_000);
    expect(store.holder('finance')).toBe('xao/release-a');
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(store.holder('finance')).toBe('');
    expect(finance.lost.aborted).toBe(true);
  });
});
