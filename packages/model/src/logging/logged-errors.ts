/** Errors logged where they arose, with what only that place knew. */
const logged = new WeakSet<object>();

/**
 * Marks `error` as logged already: a caller further up that logs failures (the reconciler's
 * `reconcile failed`, the admin API's exception filters) leaves it out, so one failure is one log
 * line.
 */
export function markLogged<T>(error: T): T {
  if (typeof error === 'object' && error !== null) logged.add(error);
  return error;
}

/** Whether `error` was logged where it arose (markLogged). */
export function wasLogged(error: unknown): boolean {
  return typeof error === 'object' && error !== null && logged.has(error);
}
