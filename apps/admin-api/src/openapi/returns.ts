import { ApiResponse, type HeadersObject } from '@nestjs/swagger';
import type { z } from 'zod';
import { openApiOutputSchema } from '../http/zod-validation.js';

/** Documents what a route returns, from a zod schema, with the headers it sets on that answer. */
export function Returns(
  schema: z.ZodType,
  status = 200,
  description = 'Success',
  headers?: HeadersObject,
) {
  return ApiResponse({
    status,
    description,
    schema: openApiOutputSchema(schema),
    ...(headers ? { headers } : {}),
  });
}
