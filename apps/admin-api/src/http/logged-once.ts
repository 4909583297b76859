/** Errors logged where they happened, with what only that place knows (the audit entry's action). */
const logged = new WeakSet<object>();

/** Marks an error as logged already: the exception filters answer it without logging it again. */
export function loggedAlready<T>(error: T): T {
  if (typeof error === 'object' && error !== null) logged.add(error);
  return error;
}

export function wasLogged(error: unknown): boolean {
  return typeof error === 'object' && error !== null && logged.has(error);
}
