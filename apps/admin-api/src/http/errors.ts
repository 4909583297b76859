import { ValidationError } from '@xero-access/model';
import { HttpException, HttpStatus } from '@nestjs/common';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** The request field at fault (dotted path), when there is one. */
  field?: string;
  /** POST /reviews' 409: the campaign already open over the snapshot, to continue. */
  reviewId?: string;
}

/** A 400 that names the field: `field: problem`. */
export class BadRequestField extends HttpException {
  constructor(field: string, problem: string) {
    super(
      {
        statusCode: 400,
        error: 'Bad Request',
        message: `${field}: ${problem}`,
        field,
      } satisfies ErrorBody,
      HttpStatus.BAD_REQUEST,
    );
  }
}

/**
 * A model ValidationError about a field the caller sent in the body, named as the caller sent it
 * (`body.<field>`, or the body's name for a field the model calls otherwise); other errors as they are.
 */
export function asBodyField(error: unknown, bodyNames: Record<string, string> = {}): unknown {
  return asRequestField('body', error, bodyNames);
}

/** As asBodyField, for a field of the query string (`query.<field>`). */
export function asQueryField(error: unknown, queryNames: Record<string, string> = {}): unknown {
  return asRequestField('query', error, queryNames);
}

function asRequestField(
  where: 'body' | 'query',
  error: unknown,
  names: Record<string, string>,
): unknown {
  if (!(error instanceof ValidationError)) return error;
  const problem = error.message.slice(`${error.field}: `.length);
  return new BadRequestField(`${where}.${names[error.field] ?? error.field}`, problem);
}

export function notFound(what: string, id: string): HttpException {
  return new HttpException(
    { statusCode: 404, error: 'Not Found', message: `${what} ${id} not found` } satisfies ErrorBody,
    404,
  );
}

export function conflict(message: string): HttpException {
  return new HttpException(
    { statusCode: 409, error: 'Conflict', message } satisfies ErrorBody,
    409,
  );
}

/** A service this API relies on (the Kubernetes API) answered with an error. */
export function badGateway(message: string): HttpException {
  return new HttpException(
    { statusCode: 502, error: 'Bad Gateway', message } satisfies ErrorBody,
    502,
  );
}

/** A service this API relies on is not configured or not reachable (answered with Retry-After). */
export function unavailable(message: string): HttpException {
  return new HttpException(
    { statusCode: 503, error: 'Service Unavailable', message } satisfies ErrorBody,
    503,
  );
}
