/** What one retention run (or the webhook target redaction) may spend, checked before each batch. */
export interface RetentionBudget {
  /** Stop starting batches once this passes (epoch ms); what is left goes at the next run. */
  deadline?: number;
  /**
   * Stop starting batches once this is aborted (the caller lost leadership, or is shutting down):
   * the batch running finishes, no other starts.
   */
  signal?: AbortSignal;
  batch?: number;
}

/** How a run ended: done: nothing is left; time-up: `deadline` passed; stopped: `signal` aborted. */
export type RetentionState = 'done' | 'time-up' | 'stopped';

export interface PruneResult {
  deleted: number;
  state: RetentionState;
}

/** Why no further batch may start, checked before each one; undefined while one may. */
export function budgetSpent({
  deadline = Infinity,
  signal,
}: Pick<RetentionBudget, 'deadline' | 'signal'>): Exclude<RetentionState, 'done'> | undefined {
  if (signal?.aborted) return 'stopped';
  if (Date.now() >= deadline) return 'time-up';
  return undefined;
}
