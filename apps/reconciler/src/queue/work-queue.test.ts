import { afterEach, describe, expect, it, vi } from 'vitest';
import { FailureRateLimiter } from './failure-rate-limiter.js';
import { MAX_TIMER_DELAY_MS, WorkQueue } from './work-queue.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue', () => {
  it('de-duplicates a key added several times before a worker takes it', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(q.length).toBe(0);
  });

  it('never hands one key to two workers: a key added while processing is queued once, after done', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    const key = await q.get();
    q.add('ns/a');
    q.add('ns/a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(key!);
    await Promise.resolve();
    expect(second).toBe('ns/a');
    q.done('ns/a');
    expect(q.length).toBe(0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.add('ns/x');
    expect(await pending).toBe('ns/x');
  });

  it('addAfter keeps the earliest pending time for a key', () => {
    vi.useFakeTimers();
    const q = new WorkQueue();
    q.addAfter('k', 10_000);
    q.addAfter('k', 1_000);
    q.addAfter('k', 5_000);
    expect(q.pendingDelayed).toBe(1);
    vi.advanceTimersByTime(999);
    expect(q.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.length).toBe(1);
    vi.advanceTimersByTime(20_000);
    expect(q.length).toBe(1);
  });

  it('addAfter with a delay past the timer limit waits (setTimeout alone would fire at once)', async () => {
    const q = new WorkQueue();
    q.addAfter('k', 2562047 * 3_600_000); // syncInterval 2562047h, the CRD's largest
    q.addAfter('j', MAX_TIMER_DELAY_MS + 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(q.length).toBe(0);
    expect(q.pendingDelayed).toBe(2);
    q.shutDown();
  });

  it('backs off per key exponentially and starts over after forget', () => {
    const limiter = new FailureRateLimiter({ baseMs: 100, maxMs: 1_000, jitter: 0 });
    expect([
      limiter.when('a'),
      limiter.when('a'),
      limiter.when('a'),
      limiter.when('a'),
      limiter.when('a'),
    ]).toEqual([100, 200, 400, 800, 1_000]);
    expect(limiter.when('b')).toBe(100);
    limiter.forget('a');
    expect(limiter.when('a')).toBe(100);
  });

  it('addRateLimited schedules the key after its backoff', () => {
    vi.useFakeTimers();
    const q = new WorkQueue(new FailureRateLimiter({ baseMs: 100, maxMs: 1_000, jitter: 0 }));
    expect(q.addRateLimited('k')).toBe(100);
    vi.advanceTimersByTime(99);
    expect(q.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.length).toBe(1);
  });

  it('on shutdown wakes idle workers with undefined and refuses new keys', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('k');
    expect(await q.get()).toBeUndefined();
  });

  it('shutDownWithDrain waits for in-flight keys to be done', async () => {
    const q = new WorkQueue();
    q.add('k');
    const key = await q.get();
    let drained: boolean | undefined;
    const draining = q.shutDownWithDrain(5_000).then((d) => (drained = d));
    await Promise.resolve();
    expect(drained).toBeUndefined();
    q.done(key!);
    await draining;
    expect(drained).toBe(true);
  });

  it('shutDownWithDrain gives up after the timeout when a worker never finishes', async () => {
    const q = new WorkQueue();
    q.add('k');
    await q.get();
    expect(await q.shutDownWithDrain(20)).toBe(false);
  });

  it('knows how long its oldest key has been processing: from when it was handed out, 0 once none is', async () => {
    let now = 1_000;
    const q = new WorkQueue(undefined, () => now);
    expect(q.oldestProcessingMs()).toBe(0);
    q.add('ns/a');
    q.add('ns/b');
    const a = await q.get();
    now += 5_000;
    const b = await q.get();
    now += 1_000;
    expect(q.oldestProcessingMs()).toBe(6_000);
    // Added again while processing: handed out anew after done, and timed from then.
    q.add('ns/a');
    q.done(a!);
    expect(q.oldestProcessingMs()).toBe(1_000);
    now += 500;
    expect(await q.get()).toBe('ns/a');
    now += 2_000;
    expect(q.oldestProcessingMs()).toBe(3_500);
    // Still counted while draining: a shut-down queue's keys in flight run on.
    q.shutDown();
    q.done(b!);
    expect(q.oldestProcessingMs()).toBe(2_000);
    q.done('ns/a');
    expect(q.oldestProcessingMs()).toBe(0);
  });
});
