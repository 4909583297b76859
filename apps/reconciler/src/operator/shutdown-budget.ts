/**
 * What a graceful stop (SIGTERM) needs after the drain, within the pod's grace period
 * (SHUTDOWN_GRACE_PERIOD, rendered by the chart from the same value as the pod's
 * terminationGracePeriodSeconds). A pod killed before it releases the Lease leaves the standby
 * waiting for the Lease to expire.
 */
export const SHUTDOWN_RESERVE_MS = {
  /** Stop the watches and the webhook sender (a delivery in flight is aborted). */
  stopWork: 2_000,
  /** Hand the Lease back: one read, one write. */
  releaseLease: 5_000,
  /**
   * The leader's sweeps (acceptance expiry, retention) stop with the term, before their next
   * batch: this is the one batch in flight, should it outlast the drain (leader/leader-sweep.ts).
   */
  leaderBatch: 3_000,
  /** Close the database, Redis and the HTTP server, and exit. */
  close: 3_000,
} as const;

export const SHUTDOWN_RESERVE_TOTAL_MS =
  SHUTDOWN_RESERVE_MS.stopWork +
  SHUTDOWN_RESERVE_MS.releaseLease +
  SHUTDOWN_RESERVE_MS.leaderBatch +
  SHUTDOWN_RESERVE_MS.close;

export interface ShutdownTimings {
  drainMs: number;
  gracePeriodMs: number;
}

/** The drain when SHUTDOWN_DRAIN is not set: all the grace period leaves. */
export function defaultDrainMs(gracePeriodMs: number): number {
  return Math.max(gracePeriodMs - SHUTDOWN_RESERVE_TOTAL_MS, 0);
}

/** Why these timings cannot fit, naming the setting; undefined when they do. */
export function shutdownTimingsProblem(timings: ShutdownTimings): string | undefined {
  const reserve =
    `the ${SHUTDOWN_RESERVE_TOTAL_MS} ms a stop needs after the drain (stopping work ` +
    `${SHUTDOWN_RESERVE_MS.stopWork} ms, releasing the Lease ${SHUTDOWN_RESERVE_MS.releaseLease} ms, ` +
    `a leader sweep's batch ${SHUTDOWN_RESERVE_MS.leaderBatch} ms, closing ${SHUTDOWN_RESERVE_MS.close} ms)`;
  if (timings.gracePeriodMs <= SHUTDOWN_RESERVE_TOTAL_MS)
    return `SHUTDOWN_GRACE_PERIOD: must be longer than ${reserve}`;
  if (timings.drainMs + SHUTDOWN_RESERVE_TOTAL_MS > timings.gracePeriodMs)
    return (
      `SHUTDOWN_DRAIN: ${timings.drainMs} ms plus ${reserve} must fit in SHUTDOWN_GRACE_PERIOD ` +
      `(${timings.gracePeriodMs} ms, the pod's terminationGracePeriodSeconds), or the pod is ` +
      `killed before it releases the Lease: shorten the drain or lengthen the grace period`
    );
  return undefined;
}

/** The moments a stop that starts at `startedAt` keeps to. */
export function shutdownDeadlines(
  startedAt: number,
  timings: ShutdownTimings,
): { workStoppedBy: number; releasedBy: number } {
  return {
    /** Watches, workers and the webhook sender stopped: the Lease release starts then at the latest. */
    workStoppedBy: startedAt + timings.drainMs + SHUTDOWN_RESERVE_MS.stopWork,
    /** The Lease released (or given up on), leaving a sweep's batch to finish, then close and exit. */
    releasedBy:
      startedAt +
      timings.gracePeriodMs -
      SHUTDOWN_RESERVE_MS.leaderBatch -
      SHUTDOWN_RESERVE_MS.close,
  };
}
