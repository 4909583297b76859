import { HttpException } from '@nestjs/common';
import {
  ConflictError,
  CursorGoneError,
  ForbiddenError,
  NotFoundError,
  PageRequestError,
  ReviewAlreadyOpenError,
  ValidationError,
  classifyDatabaseOutage,
} from '@xero-access/model';
import type { FastifyReply } from 'fastify';
import { RETRY_AFTER_SECONDS, unavailableMessage } from './database-unavailable.js';
import type { ErrorBody } from './errors.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/**
 * Every error as `{statusCode, error, message, field?}`; unexpected errors never leak details. A
 * database that is busy or unreachable is a 503 (retry), not a 500.
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    if (typeof response === 'object' && response !== null && 'message' in response) {
      const r = response as { message: unknown; field?: string };
      const message = Array.isArray(r.message) ? r.message.join('; ') : String(r.message);
      return {
        statusCode: status,
        error: REASONS[status] ?? 'Error',
        message,
        ...(r.field ? { field: r.field } : {}),
      };
    }
    return { statusCode: status, error: REASONS[status] ?? 'Error', message: String(response) };
  }
  if (error instanceof PageRequestError) {
    // Every listing's page comes from the query string: named as sent, like every other field.
    const field = `query.${error.field}`;
    const problem = error.message.slice(`${error.field}: `.length);
    return { statusCode: 400, error: REASONS[400]!, message: `${field}: ${problem}`, field };
  }
  if (error instanceof ValidationError)
    return { statusCode: 400, error: REASONS[400]!, message: error.message, field: error.field };
  if (error instanceof CursorGoneError) {
    const field = `query.${error.field}`;
    const problem = error.message.slice(`${error.field}: `.length);
    return { statusCode: 410, error: REASONS[410]!, message: `${field}: ${problem}`, field };
  }
  if (error instanceof NotFoundError)
    return { statusCode: 404, error: REASONS[404]!, message: error.message };
  if (error instanceof ReviewAlreadyOpenError)
    return {
      statusCode: 409,
      error: REASONS[409]!,
      message: error.message,
      reviewId: error.review.id,
    };
  if (error instanceof ConflictError)
    return { statusCode: 409, error: REASONS[409]!, message: error.message };
  if (error instanceof ForbiddenError)
    return { statusCode: 403, error: REASONS[403]!, message: error.message };
  const outage = classifyDatabaseOutage(error);
  if (outage)
    return { statusCode: 503, error: REASONS[503]!, message: unavailableMessage(outage, error) };
  if (isRedisUnavailable(error))
    return {
      statusCode: 503,
      error: REASONS[503]!,
      message: `Redis (OAuth state, rate limits, re-evaluation queue) is unavailable; retry in ${RETRY_AFTER_SECONDS} s`,
    };
  if (isUniqueViolation(error))
    return {
      statusCode: 409,
      error: REASONS[409]!,
      message: 'a record with the same unique key already exists',
    };
  const fastifyStatus = (error as { statusCode?: unknown }).statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return {
      statusCode: fastifyStatus,
      error: REASONS[fastifyStatus] ?? 'Error',
      message: (error as Error).message,
    };
  }
  return {
    statusCode: 500,
    error: REASONS[500]!,
    message: 'internal error (see the server log for the request id)',
  };
}

/** ioredis's errors while Redis is down, hangs (`commandTimeout`) or the connection is closing. */
function isRedisUnavailable(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (name === 'MaxRetriesPerRequestError') return true;
  return (
    typeof message === 'string' &&
    (message === 'Connection is closed.' ||
      message === 'Command timed out' ||
      message.startsWith("Stream isn't writeable"))
  );
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { name?: string })?.name === 'UniqueConstraintViolationException';
}

/** The headers an error status carries: a 503 says when to come back, a 401 how to authenticate. */
export function setErrorHeaders(reply: FastifyReply, status: number): void {
  if (status === 503 && !reply.hasHeader('retry-after'))
    void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  // RFC 6750 §3: a 401 names the scheme the client must use.
  if (status === 401 && !reply.hasHeader('www-authenticate'))
    void reply.header('www-authenticate', 'Bearer');
}
