/**
 * Runs `attempt` with a signal that aborts after `budgetMs` (calling `onTimeout`) or when `stop`
 * aborts, and then settles with undefined at once: a request that hangs (a dead connection, an API
 * server that does not answer) holds no one up, and what it does later counts for nothing.
 */
export async function boundedAttempt<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  budgetMs: number,
  stop: AbortSignal,
  onTimeout: () => void,
): Promise<T | undefined> {
  const abort = new AbortController();
  const giveUp = (): void => abort.abort();
  const abandoned = new Promise<undefined>((resolve) =>
    abort.signal.addEventListener('abort', () => resolve(undefined), { once: true }),
  );
  const timer = setTimeout(() => {
    onTimeout();
    giveUp();
  }, budgetMs);
  stop.addEventListener('abort', giveUp, { once: true });
  if (stop.aborted) giveUp();
  try {
    return await Promise.race([attempt(abort.signal), abandoned]);
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', giveUp);
  }
}
