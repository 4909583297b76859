import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { UNLIMITED_PREFIX } from '../rate-limit/client-ip-limit.js';
import { SCIM_PREFIX } from '../scim/scim-error-reply.js';
import { applyBodyPerMediaType } from './body-per-media-type.js';
import { errorComponents, errorResponse, SCIM_ERROR_REF } from './error-responses.js';
import { openApiConfig } from './openapi-config.js';
import { rateLimitHeaderComponents, rateLimitHeaderRefs } from './rate-limit-headers.js';
import { requestIdHeaderComponents, requestIdHeaderRefs } from './request-id-header.js';

const SCIM_MEDIA_TYPE = 'application/scim+json';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Methods whose body Fastify reads, whatever the route: a malformed one is a 400, a large one a 413. */
const BODY_METHODS = new Set<string>(['put', 'post', 'delete', 'patch']);
/** What Nest would name an operation without an explicit operationId (refused below). */
const UNNAMED = 'unnamed:';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;

/** The document the API serves and commits: the controllers' decorators, plus the shared error schemas. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(app, openApiConfig(), {
    operationIdFactory: (controller, method) => `${UNNAMED}${controller}.${method}`,
  });
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...errorComponents() },
    headers: {
      ...document.components?.headers,
      ...requestIdHeaderComponents(),
      ...rateLimitHeaderComponents(),
    },
  };
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = operations[method];
      if (!operation) continue;
      requireOperationId(method, path, operation);
      applyBodyPerMediaType(operation);
      answersOfEveryRoute(method, operation);
      identified(operation);
      if (!path.startsWith(UNLIMITED_PREFIX)) rateLimited(operation);
    }
    if (path.startsWith(SCIM_PREFIX)) speakScim(operations);
  }
  return document;
}

/**
 * Generated clients name their methods after operationIds: Nest's default (`Class_method`) would
 * rename them whenever a controller is refactored, so each route names its own, a contract.
 */
function requireOperationId(method: string, path: string, operation: Operation): void {
  if (!operation.operationId?.startsWith(UNNAMED)) return;
  throw new Error(
    `${method.toUpperCase()} ${path} (${operation.operationId.slice(UNNAMED.length)}) has no operationId: ` +
      'name it with @ApiOperation({ operationId }), a stable name clients generate their methods from',
  );
}

/**
 * Statuses any route can answer whatever it does: 400 (a query parameter it does not declare,
 * http/undeclared-input.interceptor.ts), 500, and on a method with a body 413.
 */
function answersOfEveryRoute(method: string, operation: Operation): void {
  const statuses = [
    400 as const,
    ...(BODY_METHODS.has(method) ? [413 as const] : []),
    500 as const,
  ];
  for (const status of statuses) operation.responses[status] ??= errorResponse(status);
}

/** Every answer names its request (http/request-id.ts), errors included. */
function identified(operation: Operation): void {
  for (const response of Object.values(operation.responses)) {
    if (!response || '$ref' in response) continue;
    response.headers = { ...response.headers, ...requestIdHeaderRefs() };
  }
}

/** Every answer of a rate-limited route carries the X-RateLimit-* headers, errors included. */
function rateLimited(operation: Operation): void {
  for (const response of Object.values(operation.responses)) {
    if (!response || '$ref' in response) continue;
    response.headers = { ...response.headers, ...rateLimitHeaderRefs() };
  }
}

/** SCIM routes answer application/scim+json, errors in the SCIM error format (scim-error-reply.ts). */
function speakScim(operations: OpenAPIObject['paths'][string]): void {
  for (const method of METHODS) {
    const operation = operations[method];
    if (!operation) continue;
    for (const [status, response] of Object.entries(operation.responses)) {
      if (!response || !('content' in response) || !response.content) continue;
      const json = response.content['application/json'];
      if (!json) continue;
      response.content = {
        [SCIM_MEDIA_TYPE]: Number(status) >= 400 ? { schema: { $ref: SCIM_ERROR_REF } } : json,
      };
    }
  }
}
