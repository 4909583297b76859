/** The condition reason of a sync that ran past SYNC_TIMEOUT. */
export const SYNC_TIMED_OUT = 'SyncTimedOut';

/**
 * A reconcile ran past SYNC_TIMEOUT: its Xero and Kubernetes calls were abandoned, and it fails
 * as any other sync does (retried with backoff).
 */
export class SyncTimedOutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(
      `The sync did not finish within SYNC_TIMEOUT (${timeoutMs / 1000} s): Xero or the ` +
        'Kubernetes API did not answer in time, so it was abandoned; it is retried with backoff.',
    );
    this.name = 'SyncTimedOutError';
  }
}

/** How long the calls that finish a sync (recording, reporting) may take, each on its own. */
export const FINISH_TIMEOUT_MS = 10_000;

/**
 * One reconcile's deadline. `signal` aborts when this replica is fenced (it lost the Lease, or a
 * graceful stop's drain ran out; reason FencedError) or SYNC_TIMEOUT after the start (reason
 * SyncTimedOutError): every Xero and Kubernetes call up to the sync's results takes it, so a hung
 * call cannot hold a worker, and a deposed leader spends no more of a tenant's Xero budget.
 */
export class SyncDeadline {
  readonly signal: AbortSignal;
  /** When the time runs out: a rate-limit slot that frees later is not waited for. */
  readonly at: Date;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly fenced: AbortSignal,
    timeoutMs: number,
  ) {
    const timeout = new AbortController();
    this.timer = setTimeout(() => timeout.abort(new SyncTimedOutError(timeoutMs)), timeoutMs);
    this.timer.unref();
    this.at = new Date(Date.now() + timeoutMs);
    this.signal = AbortSignal.any([fenced, timeout.signal]);
  }

  /** What an abort of a call under `signal` means: FencedError or SyncTimedOutError. */
  causeOf(error: unknown): unknown {
    if (!this.signal.aborted) return error;
    const aborted = error === this.signal.reason || (error as Error)?.name === 'AbortError';
    return aborted ? (this.signal.reason as unknown) : error;
  }

  /**
   * For the calls that finish a sync once its results are in, past the deadline too: the alert
   * target read between snapshots and findings (they are recorded together) and the status and
   * Events that report the outcome (a sync that ran out of time still says so). Fenced as
   * always, and each bounded on its own.
   */
  finishing(): AbortSignal {
    return AbortSignal.any([this.fenced, AbortSignal.timeout(FINISH_TIMEOUT_MS)]);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
