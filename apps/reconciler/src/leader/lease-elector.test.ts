import { KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { memorySink } from '../test/memory-sink.js';
import { LeaseElector } from './lease-elector.js';
import type { LeaseApi } from './lease-lock.js';

const apiError = (code: number, message: string): Error =>
  Object.assign(new Error(`HTTP ${code}`), { code, body: { message } });

/** One Lease in memory; `answer` says how the API server answers meanwhile. */
class Leases implements LeaseApi {
  answer: 'ok' | 'forbidden' | 'hang' = 'ok';
  private lease: V1Lease | undefined;
  private version = 0;

  async readNamespacedLease(
    _p: unknown,
    options?: { signal?: AbortSignal } | unknown,
  ): Promise<V1Lease> {
    await this.call(options);
    if (!this.lease) throw apiError(404, 'not found');
    return structuredClone(this.lease);
  }

  async createNamespacedLease(p: { body: V1Lease }, options?: unknown): Promise<V1Lease> {
    await this.call(options);
    return this.store(p.body);
  }

  async replaceNamespacedLease(p: { body: V1Lease }, options?: unknown): Promise<V1Lease> {
    await this.call(options);
    return this.store(p.body);
  }

  private async call(_options: unknown): Promise<void> {
    if (this.answer === 'forbidden')
      throw apiError(403, 'leases.coordination.k8s.io "leader" is forbidden');
    // The elector abandons the request at its deadline: it never answers.
    if (this.answer === 'hang') await new Promise(() => undefined);
  }

  private store(body: V1Lease): V1Lease {
    this.version += 1;
    this.lease = structuredClone({
      ...body,
      metadata: { ...body.metadata, resourceVersion: String(this.version) },
    });
    return structuredClone(this.lease);
  }
}

describe('LeaseElector: an API server that keeps failing its Lease requests', () => {
  let leases: Leases;
  let elector: LeaseElector;
  let lines: () => Record<string, unknown>[];

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    leases = new Leases();
    const memory = memorySink();
    lines = memory.lines;
    elector = new LeaseElector({
      kubeConfig: new KubeConfig(),
      api: leases,
      namespace: 'ops',
      name: 'leader',
      identity: 'pod-a',
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
      logger: createLogger('info', memory.sink),
    });
  });

  afterEach(async () => {
    await elector.stop({ release: false });
    vi.useRealTimers();
  });

  const about = (msg: string) => lines().filter((line) => line.msg === msg);

  it('an RBAC refusal retried every 2 s for an hour: logged once, then every 5 minutes with a count; the recovery once', async () => {
    leases.answer = 'forbidden';
    elector.start();
    // 1,800 attempts: at 0 s, 2 s, … 3,598 s.
    await vi.advanceTimersByTimeAsync(60 * 60_000 - 1_000);
    const refused = about('reading the leader lease failed');
    expect(refused).toHaveLength(12);
    expect(refused[0]).toMatchObject({
      level: 'warn',
      lease: 'ops/leader',
      error: 'HTTP 403: leases.coordination.k8s.io "leader" is forbidden',
    });
    expect(refused[0]).not.toHaveProperty('failedAttempts');
    expect(refused[1]).toMatchObject({ failedAttempts: 151, failingForMs: 5 * 60_000 });
    expect(elector.isLeader).toBe(false);

    leases.answer = 'ok';
    await vi.advanceTimersByTimeAsync(2_000);
    expect(elector.isLeader).toBe(true);
    expect(about('the API server answers the leader lease requests again')).toEqual([
      expect.objectContaining({ level: 'info', lease: 'ops/leader', failedAttempts: 1_800 }),
    ]);
    // Renewals that succeed log nothing more.
    const before = lines().length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lines()).toHaveLength(before);
  });

  it('requests the API server never answers: "did not answer in time" once, then every 5 minutes', async () => {
    leases.answer = 'hang';
    elector.start();
    // Each attempt waits out renewDeadline (10 s), then retryPeriod (2 s): 300 in an hour.
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    const unanswered = about(
      'the API server did not answer the leader lease request in time: gave up on it',
    );
    expect(unanswered).toHaveLength(12);
    expect(unanswered[0]).toMatchObject({ level: 'warn', lease: 'ops/leader', afterMs: 10_000 });
    expect(unanswered.at(-1)).toMatchObject({ failedAttempts: 276 });
  });
});
