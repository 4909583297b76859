/**
 * One FIFO of callers per queue key (a tenant, or the app for calls without a tenant) in this
 * process. A single pump asks the shared limiter for slots and hands them out in order, so a
 * burst of callers costs one Redis round trip per slot instead of a thundering herd of polls.
 */
export type Attempt<P> =
  | { granted: true; permit: P }
  | {
      granted: false;
      waitMs: number;
      limit: string;
      wakeOnRelease: boolean;
      /**
       * Something that makes the wait moot (e.g. Redis is ready again after the in-memory share
       * refused): it calls `wake` to try again at once, now or later, and returns a cancel.
       */
      wakeOn?: (wake: () => void) => () => void;
    };

export interface Waiter<P> {
  resolve(permit: P): void;
  reject(error: unknown): void;
  /** Give up (RateLimited) when the next slot is further away than this. */
  deadline: number;
  /** For the error message when it gives up. */
  operation?: string;
}

export class SlotQueue<P> {
  private readonly waiters: Waiter<P>[] = [];
  private pumping = false;
  private wake: (() => void) | undefined;
  /** A release came while an attempt was under way: the next concurrency wait is skipped. */
  private releasedDuringAttempt = false;

  constructor(
    private readonly attempt: () => Promise<Attempt<P>>,
    private readonly onTooLong: (waiter: Waiter<P>, waitMs: number, limit: string) => void,
    private readonly onIdle: () => void,
    private readonly onUnclaimed: (permit: P) => void,
  ) {}

  get size(): number {
    return this.waiters.length;
  }

  enqueue(waiter: Waiter<P>, signal?: AbortSignal): void {
    if (signal?.aborted) {
      waiter.reject(signal.reason);
      return;
    }
    this.waiters.push(waiter);
    signal?.addEventListener(
      'abort',
      () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) {
          this.waiters.splice(index, 1);
          waiter.reject(signal.reason);
        }
      },
      { once: true },
    );
    if (!this.pumping) void this.pump();
  }

  /** A slot was released in this process: a caller waiting for concurrency may go now. */
  notifyRelease(): void {
    if (this.wake) this.wake();
    else this.releasedDuringAttempt = true;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        let result: Attempt<P>;
        this.releasedDuringAttempt = false;
        try {
          result = await this.attempt();
        } catch (error) {
          this.waiters.shift()?.reject(error);
          continue;
        }
        if (result.granted) {
          const waiter = this.waiters.shift();
          if (waiter) waiter.resolve(result.permit);
          else this.onUnclaimed(result.permit); // the caller gave up meanwhile
          continue;
        }
        const head = this.waiters[0];
        if (!head) break;
        if (Date.now() + result.waitMs > head.deadline) {
          this.waiters.shift();
          this.onTooLong(head, result.waitMs, result.limit);
          continue;
        }
        await this.sleep(result.waitMs, result.wakeOnRelease, result.wakeOn);
      }
    } finally {
      this.pumping = false;
      this.onIdle();
    }
  }

  private sleep(
    ms: number,
    wakeOnRelease: boolean,
    wakeOn?: (wake: () => void) => () => void,
  ): Promise<void> {
    if (wakeOnRelease && this.releasedDuringAttempt) return Promise.resolve();
    let cancelWake = (): void => undefined;
    const slept = new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(1, ms));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = wakeOnRelease
        ? () => {
            this.wake = undefined;
            done();
          }
        : undefined;
      // May wake at once: the sleep then ends without waiting.
      if (wakeOn) cancelWake = wakeOn(done);
    });
    return slept.finally(() => cancelWake());
  }
}
