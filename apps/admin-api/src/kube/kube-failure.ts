import { RETRY_AFTER_SECONDS } from '../http/database-unavailable.js';
import { badGateway, unavailable } from '../http/errors.js';
import { kubeStatusOf, type KubeGateway } from './kube.js';

/**
 * A Kubernetes call that got no answer: the API server unreachable (node-fetch's FetchError:
 * refused, reset, DNS, TLS) or silent past the call's timeout (AbortError).
 */
export function isUnanswered(error: unknown): boolean {
  if (kubeStatusOf(error) !== undefined) return false;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'FetchError';
}

/** No answer, overload (429) or a server error (5xx): worth another try soon. */
export function isTransientKubeFailure(error: unknown): boolean {
  const status = kubeStatusOf(error);
  return status === undefined ? isUnanswered(error) : status === 429 || status >= 500;
}

/**
 * Runs the Kubernetes calls a request makes and answers for the API server's failures, naming
 * `what` could not be done and why, never a value: 503 with Retry-After when it gave no answer
 * (`unreachable (no answer within 15 s)`), was overloaded or failed (429, 5xx); 502 when it
 * refused (401, 403: the admin API's permissions) or answered anything else unexpected. A 404 (the
 * caller's to answer) and every error that is not the API server's are thrown as they are.
 */
export async function kubeFailuresAsHttp<T>(
  kube: Pick<KubeGateway, 'problemOf'>,
  what: string,
  calls: () => Promise<T>,
): Promise<T> {
  try {
    return await calls();
  } catch (error) {
    const status = kubeStatusOf(error);
    if (isTransientKubeFailure(error)) {
      const problem =
        status === undefined ? `is ${kube.problemOf(error)}` : `answered HTTP ${status}`;
      throw unavailable(
        `${what}: the Kubernetes API ${problem}; retry in ${RETRY_AFTER_SECONDS} s`,
      );
    }
    if (status === undefined || status === 404) throw error;
    const rbac = status === 401 || status === 403 ? " (see the admin API's permissions)" : '';
    throw badGateway(`${what}: the Kubernetes API answered HTTP ${status}${rbac}`);
  }
}
