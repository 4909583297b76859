import { describe, expect, it } from 'vitest';
import { SlotQueue, type Attempt } from './slot-queue.js';

function queue(attempts: Attempt<number>[]) {
  const tooLong: number[] = [];
  const unclaimed: number[] = [];
  let calls = 0;
  const q = new SlotQueue<number>(
    async () => attempts[Math.min(calls++, attempts.length - 1)]!,
    (_waiter, waitMs) => tooLong.push(waitMs),
    () => undefined,
    (permit) => unclaimed.push(permit),
  );
  return { q, tooLong, unclaimed, calls: () => calls };
}

const waiter = (deadlineMs = 10_000) => {
  const settled: { value?: number; error?: unknown } = {};
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  return {
    settled,
    finished,
    waiter: {
      resolve: (v: number) => ((settled.value = v), done()),
      reject: (e: unknown) => ((settled.error = e), done()),
      deadline: Date.now() + deadlineMs,
    },
  };
};

describe('SlotQueue', () => {
  it('hands slots out in arrival order', async () => {
    const { q } = queue([
      { granted: true, permit: 1 },
      { granted: false, waitMs: 20, limit: 'minute', wakeOnRelease: false },
      { granted: true, permit: 2 },
    ]);
    const first = waiter();
    const second = waiter();
    q.enqueue(first.waiter);
    q.enqueue(second.waiter);
    await Promise.all([first.finished, second.finished]);
    expect([first.settled.value, second.settled.value]).toEqual([1, 2]);
  });

  it('gives up on a caller whose next slot is past its deadline', async () => {
    const { q, tooLong } = queue([
      { granted: false, waitMs: 60_000, limit: 'day', wakeOnRelease: false },
    ]);
    const w = waiter(1_000);
    w.waiter.reject = () => undefined;
    q.enqueue(w.waiter);
    await new Promise((r) => setTimeout(r, 10));
    expect(tooLong).toEqual([60_000]);
  });

  it('wakes a caller waiting for concurrency on a local release', async () => {
    const { q, calls } = queue([
      { granted: false, waitMs: 5_000, limit: 'concurrent', wakeOnRelease: true },
      { granted: true, permit: 7 },
    ]);
    const w = waiter();
    const started = Date.now();
    q.enqueue(w.waiter);
    await new Promise((r) => setTimeout(r, 10));
    q.notifyRelease();
    await w.finished;
    expect(w.settled.value).toBe(7);
    expect(calls()).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('does not sleep for concurrency when a slot was released during the attempt', async () => {
    let attempts = 0;
    const q: SlotQueue<number> = new SlotQueue<number>(
      async () => {
        if (attempts++ > 0) return { granted: true, permit: 9 };
        q.notifyRelease(); // a call ends while Redis (or memory) is answering "no slot"
        return { granted: false, waitMs: 5_000, limit: 'concurrent', wakeOnRelease: true };
      },
      () => undefined,
      () => undefined,
      () => undefined,
    );
    const w = waiter();
    const started = Date.now();
    q.enqueue(w.waiter);
    await w.finished;
    expect(w.settled.value).toBe(9);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('tries again as soon as a refusal’s wakeOn fires (later or at once), and cancels it after', async () => {
    let wakeLater!: () => void;
    let cancelled = 0;
    const { q, calls } = queue([
      {
        granted: false,
        waitMs: 15_000,
        limit: 'minute',
        wakeOnRelease: false,
        wakeOn: (wake) => ((wakeLater = wake), () => void cancelled++),
      },
      {
        granted: false,
        waitMs: 15_000,
        limit: 'minute',
        wakeOnRelease: false,
        wakeOn: (wake) => (wake(), () => void cancelled++),
      },
      { granted: true, permit: 5 },
    ]);
    const w = waiter(60_000);
    const started = Date.now();
    q.enqueue(w.waiter);
    await new Promise((r) => setTimeout(r, 10));
    expect(calls()).toBe(1);
    wakeLater();
    await w.finished;
    expect(w.settled.value).toBe(5);
    expect(calls()).toBe(3);
    expect(cancelled).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('drops an aborted caller and returns a slot nobody claimed', async () => {
    let release!: (a: Attempt<number>) => void;
    const q = new SlotQueue<number>(
      () => new Promise<Attempt<number>>((r) => (release = r)),
      () => undefined,
      () => undefined,
      (permit) => unclaimed.push(permit),
    );
    const unclaimed: number[] = [];
    const controller = new AbortController();
    const w = waiter();
    q.enqueue(w.waiter, controller.signal);
    controller.abort(new Error('gave up'));
    await w.finished;
    expect((w.settled.error as Error).message).toBe('gave up');
    release({ granted: true, permit: 3 });
    await new Promise((r) => setTimeout(r, 10));
    expect(unclaimed).toEqual([3]);
    expect(q.size).toBe(0);
  });
});
