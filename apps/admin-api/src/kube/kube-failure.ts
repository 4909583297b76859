import type { HttpException } from '@nestjs/common';
import { RETRY_AFTER_SECONDS } from '../http/database-unavailable.js';
import { badGateway, unavailable } from '../http/errors.js';
import { kubeStatusOf, type KubeGateway } from './kube.js';

/**
 * A Kubernetes call that got no answer: the API server unreachable (node-fetch's FetchError:
 * refused, reset, DNS, TLS; Node's own fetch's `TypeError: fetch failed`) or silent past the
 * call's timeout (AbortError).
 */
function isUnanswered(error: unknown): boolean {
  if (kubeStatusOf(error) !== undefined) return false;
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (name === 'AbortError' || name === 'FetchError') return true;
  return error instanceof TypeError && message === 'fetch failed';
}

/** A failed Kubernetes call, as this API answers it (kubeFailureOf). */
export interface KubeFailure {
  /**
   * 503 (with Retry-After): no answer, overload (429) or a server error (5xx), worth another try
   * soon. 502: refused (401, 403: the admin API's permissions) or any other answer.
   */
  answer: 502 | 503;
  /** The API server's HTTP status; undefined when it gave no answer. */
  status: number | undefined;
  /**
   * What the API server did, to follow "the Kubernetes API": `answered HTTP 429`,
   * `answered HTTP 403 (see the admin API's permissions)`, or the caller's words for no answer.
   */
  problem: string;
}

/**
 * How this API answers a failed Kubernetes call, never naming a value. `unanswered` says that the
 * API server gave no answer (`is unreachable`). Undefined for an error that is not the API
 * server's (neither a status nor a sign of no answer: a bug, or a refusal of our own).
 */
export function kubeFailureOf(error: unknown, unanswered: string): KubeFailure | undefined {
  const status = kubeStatusOf(error);
  if (status === undefined)
    return isUnanswered(error) ? { answer: 503, status, problem: unanswered } : undefined;
  if (status === 429 || status >= 500)
    return { answer: 503, status, problem: `answered HTTP ${status}` };
  const rbac = status === 401 || status === 403 ? " (see the admin API's permissions)" : '';
  return { answer: 502, status, problem: `answered HTTP ${status}${rbac}` };
}

/** The HTTP answer to `failure`, saying `message`. */
export function kubeFailureException(failure: KubeFailure, message: string): HttpException {
  return failure.answer === 503 ? unavailable(message) : badGateway(message);
}

/**
 * Runs the Kubernetes calls a request makes and answers for the API server's failures
 * (kubeFailureOf), naming `what` could not be done and why: `could not read X: the Kubernetes API
 * is unreachable (no answer within 15 s); retry in 2 s`. A 404 (the caller's to answer) and every
 * error that is not the API server's are thrown as they are.
 */
export async function kubeFailuresAsHttp<T>(
  kube: Pick<KubeGateway, 'problemOf'>,
  what: string,
  calls: () => Promise<T>,
): Promise<T> {
  try {
    return await calls();
  } catch (error) {
    const failure = kubeFailureOf(error, `is ${kube.problemOf(error)}`);
    if (!failure || failure.status === 404) throw error;
    const retry = failure.answer === 503 ? `; retry in ${RETRY_AFTER_SECONDS} s` : '';
    throw kubeFailureException(failure, `${what}: the Kubernetes API ${failure.problem}${retry}`);
  }
}
