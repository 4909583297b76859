import { HttpException } from '@nestjs/common';
import {
  ConflictError,
  NotFoundError,
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
  if (error instanceof ValidationError)
    return { statusCode: 400, error: REASONS[400]!, message: error.message, field: error.field };
  if (error instanceof NotFoundError)
    return { statusCode: 404, error: REASONS[404]!, message: error.message };
  if (error instanceof ConflictError)
    return { statusCode: 409, error: REASONS[409]!, message: error.message };
  const outage = classifyDatabaseOutage(error);
  if (outage)
    return { statusCode: 503, error: REASONS[503]!, message: unavailableMessage(outage, error) };
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

function isUniqueViolation(error: unknown): boolean {
  return (error as { name?: string })?.name === 'UniqueConstraintViolationException';
}

/** Every 503 says when to come back. */
export function setRetryAfter(reply: FastifyReply): void {
  if (!reply.hasHeader('retry-after'))
    void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
}
