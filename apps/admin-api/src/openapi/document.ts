import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { SCIM_PREFIX } from '../scim/scim-error-reply.js';
import { errorComponents, SCIM_ERROR_REF } from './error-responses.js';
import { openApiConfig } from './openapi-config.js';

const SCIM_MEDIA_TYPE = 'application/scim+json';

/** The document the API serves and commits: the controllers' decorators, plus the shared error schemas. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(app, openApiConfig());
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...errorComponents() },
  };
  for (const [path, operations] of Object.entries(document.paths))
    if (path.startsWith(SCIM_PREFIX)) speakScim(operations);
  return document;
}

/** SCIM routes answer application/scim+json, errors in the SCIM error format (scim-error-reply.ts). */
function speakScim(operations: OpenAPIObject['paths'][string]): void {
  for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
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
