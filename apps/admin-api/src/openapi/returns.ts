import { ApiResponse } from '@nestjs/swagger';
import type { z } from 'zod';
import { openApiOutputSchema } from '../http/zod-validation.js';

/** Documents what a route returns, from a zod schema. */
export function Returns(schema: z.ZodType, status = 200, description = 'Success') {
  return ApiResponse({ status, description, schema: openApiOutputSchema(schema) });
}
