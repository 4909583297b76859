import { FailureRateLimiter } from './failure-rate-limiter.js';

/**
 * setTimeout fires after 1 ms for a delay above 2^31 - 1 ms (about 24.8 days), so a long
 * syncInterval (e.g. 720h) would requeue in a hot loop. Waking at this cap instead is harmless:
 * the reconcile finds nothing due and asks to be woken again.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

interface DelayedAdd {
  at: number;
  timer: NodeJS.Timeout;
}

/**
 * A rate-limited, de-duplicating work queue with client-go's semantics:
 * - a key is queued at most once however often it is added (`dirty`);
 * - a key is handed to at most one worker at a time: added while `processing`, it is queued
 *   again once, when the worker calls `done`;
 * - `addAfter` keeps only the earliest pending time per key;
 * - `addRateLimited` delays by the key's exponential failure backoff; `forget` resets it.
 * It also knows since when each key has been processing: the age of the oldest is a metric.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  /** Keys handed to a worker and not yet `done`, with when each was handed out (`now`). */
  private readonly processing = new Map<string, number>();
  private readonly delayed = new Map<string, DelayedAdd>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(
    readonly rateLimiter: FailureRateLimiter = new FailureRateLimiter(),
    /** Monotonic milliseconds (performance.now() unless a test sets the time). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(
      () => {
        this.delayed.delete(key);
        this.add(key);
      },
      Math.min(delayMs, MAX_TIMER_DELAY_MS),
    );
    timer.unref();
    this.delayed.set(key, { at, timer });
  }

  addRateLimited(key: string): number {
    const delay = this.rateLimiter.when(key);
    this.addAfter(key, delay);
    return delay;
  }

  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  /** The next key to work on; undefined once the queue shuts down. Call `done(key)` afterwards. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.startProcessing(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  /** Keys waiting to be worked on (not counting delayed ones): the queue-depth metric. */
  get length(): number {
    return this.queue.length;
  }

  get pendingDelayed(): number {
    return this.delayed.size;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  /** How long the key processing longest has been, in ms; 0 when none is. */
  oldestProcessingMs(): number {
    const oldest = Math.min(...this.processing.values());
    return Number.isFinite(oldest) ? this.now() - oldest : 0;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops handing out work; queued and delayed keys are dropped (the next leader relists). */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.waiters.splice(0).forEach((wake) => wake(undefined));
  }

  /** shutDown, then wait until every key handed out has been `done` (or the timeout passes). */
  async shutDownWithDrain(timeoutMs: number): Promise<boolean> {
    this.shutDown();
    if (this.processing.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([drained, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.startProcessing(key));
    else this.queue.push(key);
  }

  private startProcessing(key: string): string {
    this.processing.set(key, this.now());
    this.dirty.delete(key);
    return key;
  }
}
