import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtension, type OpenAPIObject } from '@nestjs/swagger';

type JsonSchema = Record<string, unknown>;

/** Where the decorator leaves each media type's schema for createOpenApiDocument to move. */
const BODY_PER_MEDIA_TYPE = 'x-body-per-media-type';

/**
 * A request body read in several media types, each with its own schema (ApiBody gives every
 * media type the same one). The route still declares a body (ApiBody), so input checks see it.
 */
export function BodyPerMediaType(
  schemas: Record<string, JsonSchema>,
  description?: string,
): MethodDecorator {
  return applyDecorators(
    ApiConsumes(...Object.keys(schemas)),
    ApiBody({ schema: {}, required: true, description }),
    ApiExtension(BODY_PER_MEDIA_TYPE, schemas),
  );
}

type Operation = NonNullable<OpenAPIObject['paths'][string]['post']>;

/** Gives each media type of an operation's request body the schema BodyPerMediaType named. */
export function applyBodyPerMediaType(operation: Operation): void {
  const extended = operation as Operation & { [BODY_PER_MEDIA_TYPE]?: Record<string, JsonSchema> };
  const schemas = extended[BODY_PER_MEDIA_TYPE];
  if (!schemas) return;
  delete extended[BODY_PER_MEDIA_TYPE];
  const body = operation.requestBody;
  if (!body || '$ref' in body) return;
  body.content = Object.fromEntries(
    Object.entries(schemas).map(([mediaType, schema]) => [mediaType, { schema }]),
  );
}
