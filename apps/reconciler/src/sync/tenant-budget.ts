import type { CallOptions } from '@xero-access/xero-client';

/**
 * How long one organisation may hold its lane (its GET Organisation and GET Users, rate-limit
 * waits included); SYNC_TIMEOUT still bounds the whole sync, so the shorter one applies. Without it
 * an organisation that never answers holds its lane until SYNC_TIMEOUT: the transport
 * (xero-client) cuts an attempt at 30 s, but tries an idempotent call 4 times, over 2 minutes.
 * 70 s fits that retry budget for an organisation that answers: each of the two calls may take one
 * whole attempt (an answer just inside the transport's 30 s) plus the backoffs of its retries after
 * quick failures (under 3 s: 200 ms doubling, full jitter), rounded up. What it cuts short is a
 * second attempt of a call whose first one already went unanswered for 30 s.
 */
export const TENANT_TIMEOUT_MS = 70_000;

/** One organisation's calls ran out of their own time (TENANT_TIMEOUT_MS), not the sync's. */
export class TenantTimedOutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(
      `Xero did not answer for this organisation within ${timeoutMs / 1000} s (the time one ` +
        'organisation may take in a sync), so its calls were abandoned and the other ' +
        'organisations went on. It is fetched last when the sync is retried.',
    );
    this.name = 'TenantTimedOutError';
  }
}

/**
 * Runs one organisation's calls with `options` bounded to `timeoutMs` from now: their signal
 * aborts then (TenantTimedOutError), and a rate-limit slot that frees later is not waited for
 * (RateLimited, with its retry time).
 */
export async function withTenantBudget<T>(
  options: CallOptions,
  timeoutMs: number,
  calls: (bounded: CallOptions) => Promise<T>,
): Promise<T> {
  const budget = new AbortController();
  const timedOut = new TenantTimedOutError(timeoutMs);
  const timer = setTimeout(() => budget.abort(timedOut), timeoutMs);
  const end = new Date(Date.now() + timeoutMs);
  const bounded: CallOptions = {
    ...options,
    signal: options.signal ? AbortSignal.any([options.signal, budget.signal]) : budget.signal,
    waitUntil: options.waitUntil && options.waitUntil < end ? options.waitUntil : end,
  };
  try {
    return await calls(bounded);
  } catch (error) {
    const ownAbort =
      budget.signal.aborted && !options.signal?.aborted && (error as Error)?.name === 'AbortError';
    throw ownAbort ? timedOut : error;
  } finally {
    clearTimeout(timer);
  }
}
