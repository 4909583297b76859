import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryBudget {
  /** The whole time the tries and the waits between them may take. */
  budgetMs: number;
  /** The wait after the first failed try, doubled after each one up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
}

export type RetryOutcome<T> =
  { ok: true; value: T; attempts: number } | { ok: false; error: unknown; attempts: number };

/**
 * Tries `attempt` until it succeeds or the budget is spent; a try still unanswered when the budget
 * ends is abandoned (its error says so). Never throws: the outcome says how it went.
 */
export async function retryWithinBudget<T>(
  attempt: () => Promise<T>,
  budget: RetryBudget,
  onFailedAttempt: (error: unknown, attempts: number) => void = () => undefined,
): Promise<RetryOutcome<T>> {
  const deadline = Date.now() + budget.budgetMs;
  for (let attempts = 1; ; attempts++) {
    try {
      return { ok: true, value: await within(attempt(), deadline - Date.now()), attempts };
    } catch (error) {
      onFailedAttempt(error, attempts);
      const delay = Math.min(budget.firstDelayMs * 2 ** (attempts - 1), budget.maxDelayMs);
      if (Date.now() + delay >= deadline) return { ok: false, error, attempts };
      await sleep(delay);
    }
  }
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.max(ms, 0)} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
    // An abandoned try may still fail later: that is no unhandled rejection.
    promise.catch(() => undefined);
  }
}
