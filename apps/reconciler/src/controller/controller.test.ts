import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { ReconcilerMetrics } from '../metrics/metrics.js';
import { until } from '../test/harness.js';
import { Controller, type ReconcileSignals } from './controller.js';
import { FencedError } from './fenced.js';

/** A controller whose one reconcile waits until released, exposing the signals it was given. */
function blockedController() {
  let signals: ReconcileSignals | undefined;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const controller = new Controller({
    name: 'test',
    workers: 1,
    logger: silentLogger,
    reconcile: async (_key, given) => {
      signals = given;
      await released;
    },
  });
  controller.start();
  controller.enqueue('ns/a');
  return { controller, release, signals: () => signals };
}

describe('Controller', () => {
  it('fences in-flight reconciles at once when told, without stopping the workers', async () => {
    const { controller, release, signals } = blockedController();
    await until(() => signals() !== undefined);
    expect(signals()!.fenced.aborted).toBe(false);
    controller.fence();
    expect(signals()!.fenced.aborted).toBe(true);
    expect(signals()!.stopping.aborted).toBe(false);
    expect(() => signals()!.fenced.throwIfAborted()).toThrow(FencedError);
    release();
    await controller.stop(1_000);
  });

  it('on a graceful stop, lets reconciles write while they drain and fences what outlives the drain', async () => {
    const { controller, release, signals } = blockedController();
    await until(() => signals() !== undefined);
    const stopped = controller.stop(100);
    expect(signals()!.stopping.aborted).toBe(true);
    expect(signals()!.fenced.aborted).toBe(false);
    expect(await stopped).toEqual({ drained: false });
    expect(signals()!.fenced.aborted).toBe(true);
    release();
  });

  it('does not retry a reconcile that stopped because it was fenced; it does retry a failure', async () => {
    const thrown = { 'ns/fenced': new FencedError(), 'ns/failed': new Error('boom') };
    const done: string[] = [];
    const controller = new Controller({
      name: 'test',
      workers: 1,
      logger: silentLogger,
      reconcile: (key) => {
        done.push(key);
        return Promise.reject(thrown[key as keyof typeof thrown]);
      },
    });
    controller.start();
    controller.enqueue('ns/fenced');
    await until(() => done.length === 1);
    await until(() => controller.queue.inFlight === 0);
    expect(controller.queue.pendingDelayed).toBe(0);
    controller.enqueue('ns/failed');
    await until(() => done.length === 2);
    await until(() => controller.queue.inFlight === 0);
    expect(controller.queue.pendingDelayed).toBe(1);
    await controller.stop(1_000);
  });

  it('exports the age of the oldest reconcile in flight at each scrape: it grows while one hangs, 0 once none runs', async () => {
    let now = 1_000;
    const releases = new Map<string, () => void>();
    const controller = new Controller({
      name: 'test',
      workers: 2,
      logger: silentLogger,
      now: () => now,
      reconcile: (key) => new Promise<void>((resolve) => releases.set(key, resolve)),
    });
    const metrics = new ReconcilerMetrics({ defaultMetrics: false });
    metrics.measureOldestRunning(() => controller.queue.oldestProcessingMs());
    const scraped = async () => {
      const text = await metrics.registry.metrics();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('xao_reconcile_oldest_running_seconds '));
      return Number(line?.split(' ')[1]);
    };
    controller.start();
    expect(await scraped()).toBe(0);

    controller.enqueue('ns/hung');
    await until(() => releases.has('ns/hung'));
    now += 60_000;
    controller.enqueue('ns/quick');
    await until(() => releases.has('ns/quick'));
    now += 540_000;
    expect(await scraped()).toBe(600);
    releases.get('ns/quick')!();
    await until(() => controller.queue.inFlight === 1);
    now += 60_000;
    expect(await scraped()).toBe(660);

    releases.get('ns/hung')!();
    await until(() => controller.queue.inFlight === 0);
    expect(await scraped()).toBe(0);
    await controller.stop(1_000);
  });

  it('requeues at the time a reconcile asked for, however long it ran; a delay counts from its end', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    try {
      const started: Record<string, number[]> = { 'ns/deadline': [], 'ns/backoff': [] };
      const controller = new Controller({
        name: 'test',
        workers: 2,
        logger: silentLogger,
        // Each takes 20 s, and asks to run again 60 s after it started (a sync's next deadline)
        // or 60 s after it returns (a backoff); only the first run of each.
        reconcile: async (key) => {
          const runs = started[key]!;
          runs.push(Date.now());
          await new Promise((r) => setTimeout(r, 20_000));
          if (runs.length > 1) return {};
          return key === 'ns/deadline'
            ? { requeueAt: new Date(runs[0]! + 60_000) }
            : { requeueAfterMs: 60_000 };
        },
      });
      controller.start();
      const t0 = Date.now();
      controller.enqueue('ns/deadline');
      controller.enqueue('ns/backoff');
      await vi.advanceTimersByTimeAsync(59_999);
      expect(started['ns/deadline']).toEqual([t0]);
      await vi.advanceTimersByTimeAsync(1);
      expect(started['ns/deadline']).toEqual([t0, t0 + 60_000]);
      await vi.advanceTimersByTimeAsync(19_999);
      expect(started['ns/backoff']).toEqual([t0]);
      await vi.advanceTimersByTimeAsync(1);
      expect(started['ns/backoff']).toEqual([t0, t0 + 80_000]);

      const stopped = controller.stop(30_000);
      await vi.advanceTimersByTimeAsync(20_000);
      await stopped;
    } finally {
      vi.useRealTimers();
    }
  });
});
