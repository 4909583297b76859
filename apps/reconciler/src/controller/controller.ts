import type { Logger } from '../logging/logger.js';
import { WorkQueue } from '../queue/work-queue.js';
import { FencedError } from './fenced.js';

export interface ReconcileResult {
  /** Reconcile this key again after this long, counted from when the reconcile returns (a backoff). */
  requeueAfterMs?: number;
  /**
   * Reconcile this key again at this time, however long the reconcile took (the next sync time:
   * a deadline it computed when it started). With `requeueAfterMs` too, whichever comes first.
   */
  requeueAt?: Date;
}

export interface ReconcileSignals {
  /** Aborts when the controller stops taking work: do not start a sync. */
  stopping: AbortSignal;
  /**
   * Aborts (with a FencedError) once this replica may no longer write: it lost the Lease, or
   * the drain ran out and the Lease is handed back. `fenced.throwIfAborted()` before every
   * externally visible write; never in the middle of one that must finish (a token write-back).
   */
  fenced: AbortSignal;
}

/** Reconciles one `namespace/name`; throwing means "retry with backoff". */
export type Reconcile = (key: string, signals: ReconcileSignals) => Promise<ReconcileResult | void>;

export type ReconcileOutcome = 'success' | 'error' | 'requeue';

export interface ControllerOptions {
  name: string;
  reconcile: Reconcile;
  workers: number;
  queue?: WorkQueue;
  logger: Logger;
  onReconciled?(key: string, durationMs: number, outcome: ReconcileOutcome): void;
  /**
   * Monotonic milliseconds (performance.now() unless a test sets the time); the clock of the queue
   * it makes when none is given, which knows since when each reconcile in flight runs.
   */
  now?: () => number;
}

/**
 * Runs N workers over a WorkQueue: each key is reconciled by one worker at a time; a success
 * forgets the key's backoff and honours requeueAfter; a failure requeues with backoff.
 */
export class Controller {
  readonly queue: WorkQueue;
  private readonly stopping = new AbortController();
  private readonly fencing = new AbortController();
  private workers: Promise<void>[] = [];
  private readonly now: () => number;

  constructor(private readonly options: ControllerOptions) {
    this.now = options.now ?? (() => performance.now());
    this.queue = options.queue ?? new WorkQueue(undefined, this.now);
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    if (this.workers.length > 0) return;
    for (let i = 0; i < this.options.workers; i += 1) this.workers.push(this.work());
  }

  /** From now on in-flight reconciles may not write: this replica no longer leads. */
  fence(): void {
    if (!this.fencing.signal.aborted) this.fencing.abort(new FencedError());
  }

  /**
   * Stops taking work; in-flight reconciles see `stopping` abort and have `drainMs` to finish.
   * What they leave undone is handed back (the next leader lists every object again), and what
   * still runs then is fenced: the Lease is about to go to the next leader.
   */
  async stop(drainMs = 10_000): Promise<{ drained: boolean }> {
    this.stopping.abort();
    const drained = await this.queue.shutDownWithDrain(drainMs);
    this.fence();
    if (drained) await Promise.all(this.workers);
    return { drained };
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const started = this.now();
      let outcome: ReconcileOutcome = 'success';
      try {
        const result = await this.options.reconcile(key, {
          stopping: this.stopping.signal,
          fenced: this.fencing.signal,
        });
        this.queue.forget(key);
        const requeueInMs = requeueDelayMs(result, Date.now());
        if (requeueInMs !== undefined) {
          outcome = 'requeue';
          this.queue.addAfter(key, requeueInMs);
        }
      } catch (error) {
        outcome = 'error';
        if (error instanceof FencedError) {
          // Not retried here: the next leader reconciles the key.
          this.options.logger.info(
            { controller: this.options.name, key },
            'reconcile stopped before writing: no longer leading',
          );
        } else {
          const retryInMs = this.queue.addRateLimited(key);
          this.options.logger.warn(
            { controller: this.options.name, key, retryInMs, err: error },
            'reconcile failed',
          );
        }
      } finally {
        this.queue.done(key);
        this.options.onReconciled?.(key, this.now() - started, outcome);
      }
    }
  }
}

/** The wait before the requeue a reconcile asked for, taken when it is scheduled; none if none. */
function requeueDelayMs(result: ReconcileResult | void, nowMs: number): number | undefined {
  const waits: number[] = [];
  if (result?.requeueAfterMs !== undefined) waits.push(result.requeueAfterMs);
  if (result?.requeueAt) waits.push(result.requeueAt.getTime() - nowMs);
  return waits.length > 0 ? Math.max(Math.min(...waits), 0) : undefined;
}
