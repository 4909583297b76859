import type { Logger } from '../logging/logger.js';
import { WorkQueue } from '../queue/work-queue.js';

export interface ReconcileResult {
  /** Reconcile this key again after this long (e.g. the next sync time). */
  requeueAfterMs?: number;
}

/** Reconciles one `namespace/name`; throwing means "retry with backoff". */
export type Reconcile = (key: string, signal: AbortSignal) => Promise<ReconcileResult | void>;

export type ReconcileOutcome = 'success' | 'error' | 'requeue';

export interface ControllerOptions {
  name: string;
  reconcile: Reconcile;
  workers: number;
  queue?: WorkQueue;
  logger: Logger;
  onReconciled?(key: string, durationMs: number, outcome: ReconcileOutcome): void;
}

/**
 * Runs N workers over a WorkQueue: each key is reconciled by one worker at a time; a success
 * forgets the key's backoff and honours requeueAfter; a failure requeues with backoff.
 */
export class Controller {
  readonly queue: WorkQueue;
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];

  constructor(private readonly options: ControllerOptions) {
    this.queue = options.queue ?? new WorkQueue();
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    if (this.workers.length > 0) return;
    for (let i = 0; i < this.options.workers; i += 1) this.workers.push(this.work());
  }

  /**
   * Stops taking work; in-flight reconciles see their signal abort and have `drainMs` to finish.
   * What they leave undone is handed back: the next leader lists every object again.
   */
  async stop(drainMs = 10_000): Promise<{ drained: boolean }> {
    this.abort.abort();
    const drained = await this.queue.shutDownWithDrain(drainMs);
    if (drained) await Promise.all(this.workers);
    return { drained };
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const started = performance.now();
      let outcome: ReconcileOutcome = 'success';
      try {
        const result = await this.options.reconcile(key, this.abort.signal);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) {
          outcome = 'requeue';
          this.queue.addAfter(key, result.requeueAfterMs);
        }
      } catch (error) {
        outcome = 'error';
        const retryInMs = this.queue.addRateLimited(key);
        this.options.logger.warn(
          { controller: this.options.name, key, retryInMs, err: error },
          'reconcile failed',
        );
      } finally {
        this.queue.done(key);
        this.options.onReconciled?.(key, performance.now() - started, outcome);
      }
    }
  }
}
