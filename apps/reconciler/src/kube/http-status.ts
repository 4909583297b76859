/**
 * The HTTP status of a failed Kubernetes call, whichever client raised it: the generated API
 * clients throw ApiException (`code`), Watch reports `statusCode`. Undefined for network errors.
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

export const isForbidden = (error: unknown): boolean => httpStatusOf(error) === 403;
export const isNotFound = (error: unknown): boolean => httpStatusOf(error) === 404;
export const isConflict = (error: unknown): boolean => httpStatusOf(error) === 409;
export const isGone = (error: unknown): boolean => httpStatusOf(error) === 410;

/** A short description of a Kubernetes failure for logs and conditions (no bodies, no headers). */
export function describeKubeError(error: unknown): string {
  const status = httpStatusOf(error);
  const body = (error as { body?: unknown } | null)?.body;
  let message: string | undefined;
  if (typeof body === 'string') {
    try {
      message = (JSON.parse(body) as { message?: string }).message;
    } catch {
      message = undefined;
    }
  } else if (body && typeof body === 'object') {
    message = (body as { message?: string }).message;
  }
  if (status !== undefined) return `HTTP ${status}${message ? `: ${message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
