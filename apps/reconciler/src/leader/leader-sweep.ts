import type { Logger } from '../logging/logger.js';

export interface LeaderSweepOptions<T> {
  /**
   * The current term's signal, aborted when this replica stops leading (the Lease lost, or a
   * stop: `Operator.leadership`); undefined on a standby.
   */
  leadership(): AbortSignal | undefined;
  /** One sweep; it checks `signal` before each batch and starts none once it is aborted. */
  work(signal: AbortSignal, now: Date): Promise<T>;
  /** Logged at `warn` with the error when a sweep started by `tick` fails. */
  failed: string;
  logger: Logger;
}

/**
 * Periodic work only the leader does (acceptance expiry, retention): one sweep at a time, none on
 * a standby, and each stopped before its next batch once leadership ends or `stop` is called.
 */
export class LeaderSweep<T> {
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly options: LeaderSweepOptions<T>) {}

  /** One sweep, unless one is still running; failures are logged and the next tick retries. */
  tick(): Promise<void> {
    this.running ??= this.run()
      .then(() => undefined)
      .catch((error: unknown) => this.options.logger.warn({ err: error }, this.options.failed))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** One sweep now; undefined on a standby, or once stopped. */
  async run(now = new Date()): Promise<T | undefined> {
    const term = this.options.leadership();
    if (!term || term.aborted || this.stopping.signal.aborted) return undefined;
    return this.options.work(AbortSignal.any([term, this.stopping.signal]), now);
  }

  /**
   * Shutdown: no sweep starts again, the one running stops before its next batch; settles once
   * it has, or after `waitMs` (the batch running is left to the database's close to roll back).
   */
  async stop(waitMs: number): Promise<void> {
    this.stopping.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.running,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
