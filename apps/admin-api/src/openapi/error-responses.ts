import { ApiResponse } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { z } from 'zod';
import { openApiOutputSchema } from '../http/zod-validation.js';

/** What every error answers outside SCIM (see http/errors.ts). */
export const errorBodySchema = z.object({
  statusCode: z.number().int(),
  error: z.string().describe('The HTTP reason phrase'),
  message: z.string().describe('What is wrong; names the field when there is one'),
  field: z.string().optional().describe('The request field at fault (dotted path)'),
});

/** RFC 7644 §3.12: what every error answers on the SCIM routes. */
export const scimErrorSchema = z.object({
  schemas: z.array(z.string()),
  status: z.string().describe('The HTTP status code, as a string'),
  scimType: z.string().optional(),
  detail: z.string(),
});

export const ERROR_BODY_REF = '#/components/schemas/ErrorBody';
export const SCIM_ERROR_REF = '#/components/schemas/ScimError';

/** The shared error schemas, referenced by every operation's error responses. */
export const errorComponents = () => ({
  ErrorBody: openApiOutputSchema(errorBodySchema),
  ScimError: openApiOutputSchema(scimErrorSchema),
});

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 429 | 500 | 502 | 503;

const DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'A parameter or the body is invalid; `field` names it.',
  401: 'No credential, or one that is unknown, expired or revoked.',
  403: 'The credential may not call this route.',
  404: 'The resource does not exist.',
  409: 'The request conflicts with the current state.',
  410: 'The cursor leads nowhere any more (the message says why: an expired Kubernetes continue token, a database restored from a backup taken before it); list again from the first page, without cursor.',
  413: 'The body is larger than the configured limit (BODY_LIMIT_BYTES).',
  415: 'The body is in a media type this API does not read.',
  429: 'Rate limit exceeded; retry after `Retry-After` seconds.',
  500: 'An unexpected error; the message holds no detail (the server log has it, under the request id).',
  502: 'A service this API relies on (the Kubernetes API) answered with an error.',
  503: 'The database or the Kubernetes API is busy or unreachable, or this API is shutting down; retry after `Retry-After` seconds.',
};

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
};

/** RFC 6750 §3 (error-body.ts sets it). */
const wwwAuthenticate = {
  'WWW-Authenticate': {
    description: 'The authentication scheme to use: `Bearer`',
    required: true,
    schema: { type: 'string' },
  },
};

const HEADERS: Partial<Record<ErrorStatus, Record<string, object>>> = {
  401: wwwAuthenticate,
  429: retryAfter,
  503: retryAfter,
};

/** The documented answer of one error status: reason, the shared error schema, its headers. */
export function errorResponse(status: ErrorStatus) {
  return {
    description: DESCRIPTIONS[status],
    content: { 'application/json': { schema: { $ref: ERROR_BODY_REF } } },
    ...(HEADERS[status] ? { headers: HEADERS[status] } : {}),
  };
}

/**
 * Documents error answers of a route: status, reason and the shared error schema (SCIM routes get
 * the SCIM error instead, in document.ts).
 */
export function Fails(statuses: ErrorStatus[]) {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, ...errorResponse(status) })),
  );
}
