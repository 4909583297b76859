import got, { type Got, type Method, RequestError } from 'got';
import { xeroErrors, XeroError } from '../errors.js';
import { silentLogger, type XeroLogger } from '../logger.js';
import {
  type CallScope,
  type RateLimitProblem,
  type RemainingHeaders,
  type XeroRateLimiter,
} from '../limiter/xero-rate-limiter.js';
import { backoffDelay, delay, DEFAULT_RETRY, type RetryPolicy } from './backoff.js';

export interface TransportOptions {
  /** Per attempt, from sending the request to the end of the response body. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Without a limiter nothing is throttled (tests); each request's `scope` says what it is charged to. */
  limiter?: XeroRateLimiter;
  logger?: XeroLogger;
  /**
   * Told of every answer Xero gives (each attempt: retries and 429s too), with its outcome, for
   * metrics; must not throw.
   */
  onCall?: (event: XeroCallEvent) => void;
  userAgent?: string;
}

/** One HTTP answer from Xero (identity or API). */
export interface XeroCallEvent {
  /** As in errors and logs, e.g. `GET Users`, `token refresh`. */
  operation: string;
  statusCode: number;
  tenantId?: string;
  /**
   * Set for a 429 to a call charged to Xero's rate limits (API calls): every process pauses that
   * limit until Retry-After, then the call is retried (or fails with RateLimited when that is
   * beyond the limiter's maximum wait). Not for identity calls (charged to the extra caps only):
   * their 429 goes back to the caller.
   */
  rateLimited?: RateLimitedAnswer;
}

/** What a 429 says: which limit, and when to try again. */
export interface RateLimitedAnswer {
  /** Xero's X-Rate-Limit-Problem (`minute` when absent): `minute`, `day`, `appminute` or `concurrent`. */
  limit: RateLimitProblem | string;
  /** Xero's Retry-After, in ms (1 s when absent). */
  retryAfterMs: number;
}

export interface XeroRequest {
  method: Method;
  url: string;
  /** Secret-bearing headers (Authorization) are never logged. */
  headers: Record<string, string>;
  form?: Record<string, string>;
  /** Repeat safely on 5xx and network errors. */
  idempotent: boolean;
  /** For messages and logs, e.g. `GET Users`. */
  operation: string;
  /**
   * Charge the call to these limits (`extraCapsOnly`: the extra caps alone, for identity calls);
   * absent = not rate limited.
   */
  scope?: CallScope;
  /** Abandons the wait for a slot and the request. */
  signal?: AbortSignal;
  /** Fail with RateLimited rather than wait for a slot, or a 429's Retry-After, past this. */
  waitUntil?: Date;
}

export interface XeroResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
}

/** Somebody else keeps spending the budget: give up after this many 429s in a row. */
const MAX_RATE_LIMITED_RETRIES = 10;

function headerNumber(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export function remainingFromHeaders(headers: XeroResponse['headers']): RemainingHeaders {
  return {
    minute: headerNumber(headers['x-minlimit-remaining']),
    day: headerNumber(headers['x-daylimit-remaining']),
    appMinute: headerNumber(headers['x-appminlimit-remaining']),
  };
}

function rateLimitOf(headers: XeroResponse['headers']): RateLimitedAnswer {
  return {
    limit: String(headers['x-rate-limit-problem'] ?? 'minute'),
    retryAfterMs: Math.max(0, (headerNumber(headers['retry-after']) ?? 1) * 1000),
  };
}

/** A 429 the caller receives (an identity call's, or none to wait with): RateLimited, retrying at Retry-After. */
export function rateLimitedError(
  operation: string,
  response: XeroResponse,
  tenantId?: string,
): XeroError {
  const { limit, retryAfterMs } = rateLimitOf(response.headers);
  return xeroErrors.rateLimited(operation, new Date(Date.now() + retryAfterMs), limit, tenantId);
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Sends one logical request: waits for a rate-limit slot, retries idempotent calls on 5xx and
 * network errors with jittered backoff, and on a 429 to an API call pauses every process until
 * Retry-After and tries again (within the limiter's maximum wait). Other statuses are returned to
 * the caller.
 */
export class Transport {
  private readonly http: Got;
  private readonly retry: RetryPolicy;
  private readonly limiter: XeroRateLimiter | undefined;
  private readonly logger: XeroLogger;
  private readonly onCall: ((event: XeroCallEvent) => void) | undefined;

  constructor(options: TransportOptions = {}) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.limiter = options.limiter;
    this.logger = options.logger ?? silentLogger;
    this.onCall = options.onCall;
    this.http = got.extend({
      throwHttpErrors: false,
      retry: { limit: 0 },
      followRedirect: false,
      timeout: { request: options.timeoutMs ?? 30_000 },
      responseType: 'text',
      headers: { 'user-agent': options.userAgent ?? 'xero-access-operator' },
    });
  }

  async send(request: XeroRequest): Promise<XeroResponse> {
    let failures = 0;
    let rateLimitedTimes = 0;
    for (;;) {
      const outcome = await this.attempt(request);
      if (outcome.kind === 'response') {
        const { response, rateLimited } = outcome;
        if (rateLimited) {
          await this.handle429(request, response, rateLimited, ++rateLimitedTimes);
          continue;
        }
        if (
          response.statusCode >= 500 &&
          request.idempotent &&
          failures + 1 < this.retry.attempts
        ) {
          await this.backoff(request, ++failures, `HTTP ${response.statusCode}`);
          continue;
        }
        if (response.statusCode >= 500) {
          throw xeroErrors.unavailable(
            request.operation,
            `HTTP ${response.statusCode}`,
            response.statusCode,
          );
        }
        return response;
      }
      if (request.idempotent && failures + 1 < this.retry.attempts) {
        await this.backoff(request, ++failures, outcome.cause);
        continue;
      }
      throw xeroErrors.unavailable(request.operation, outcome.cause);
    }
  }

  private async attempt(
    request: XeroRequest,
  ): Promise<
    | { kind: 'response'; response: XeroResponse; rateLimited?: RateLimitedAnswer }
    | { kind: 'failed'; cause: string }
  > {
    const permit =
      request.scope && this.limiter
        ? await this.limiter.acquire(request.scope, request.signal, request.waitUntil)
        : undefined;
    const stopTracking = permit ? this.limiter!.track(request.scope!, permit) : undefined;
    try {
      const response = await this.http(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.form ? { form: request.form } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
      if (permit) {
        stopTracking?.();
        permit.release();
        void this.limiter!.settle(request.scope!, permit, remainingFromHeaders(response.headers));
      }
      const result: XeroResponse = {
        statusCode: response.statusCode,
        headers: response.headers,
        body: parseBody(response.body),
      };
      // A 429 the limiter can wait out (Xero's limits, API calls); any other 429, identity calls'
      // too, goes back to the caller.
      const rateLimited =
        response.statusCode === 429 && request.scope && !request.scope.extraCapsOnly && this.limiter
          ? rateLimitOf(response.headers)
          : undefined;
      const call: XeroCallEvent = {
        operation: request.operation,
        tenantId: request.scope?.tenantId,
        statusCode: response.statusCode,
        ...(rateLimited ? { rateLimited } : {}),
      };
      this.logger.debug({ ...call }, 'Xero call');
      this.tellOnCall(call);
      return { kind: 'response', response: result, rateLimited };
    } catch (error) {
      if (permit) {
        stopTracking?.();
        permit.release();
        void this.limiter!.settle(request.scope!, permit);
      }
      if (error instanceof XeroError) throw error;
      if (request.signal?.aborted) throw request.signal.reason;
      // got's errors carry the request options (Authorization header): keep only the code.
      const cause =
        error instanceof RequestError ? (error.code ?? 'network error') : 'network error';
      return { kind: 'failed', cause };
    }
  }

  private tellOnCall(call: XeroCallEvent): void {
    try {
      this.onCall?.(call);
    } catch (error) {
      this.logger.warn({ cause: (error as Error).message }, 'onCall failed');
    }
  }

  private async handle429(
    request: XeroRequest,
    response: XeroResponse,
    { limit, retryAfterMs }: RateLimitedAnswer,
    times: number,
  ): Promise<void> {
    const limiter = this.limiter!;
    if (retryAfterMs > limiter.tuning.maxWaitMs || times > MAX_RATE_LIMITED_RETRIES) {
      await limiter.pause(request.scope!, limit, retryAfterMs);
      throw rateLimitedError(request.operation, response, request.scope!.tenantId);
    }
    // The pause makes every process (this one included) wait in acquire() until Retry-After (a
    // caller whose waitUntil comes sooner fails there, with RateLimited).
    await limiter.pause(request.scope!, limit, retryAfterMs);
  }

  private async backoff(request: XeroRequest, failures: number, cause: string): Promise<void> {
    request.signal?.throwIfAborted();
    const ms = backoffDelay(failures, this.retry);
    this.logger.warn(
      {
        operation: request.operation,
        tenantId: request.scope?.tenantId,
        cause,
        attempt: failures,
        retryInMs: ms,
      },
      'Xero call failed; retrying',
    );
    await delay(ms, request.signal);
  }
}
