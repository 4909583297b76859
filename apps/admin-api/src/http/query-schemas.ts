import { z } from 'zod';

/** Query values arrive as strings; these coerce and bound them. */
export const limitParam = z.coerce
  .number({ message: 'must be a number' })
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(500, 'must be at most 500')
  .optional()
  .describe('Page size, 1–500 (default 50).');

export const cursorParam = z
  .string()
  .max(512, 'is too long to be a cursor')
  .optional()
  .describe('Opaque cursor from the previous page (`nextCursor`).');

/** The query of a list without filters: one keyset page. */
export const pageQuery = z.object({ limit: limitParam, cursor: cursorParam }).strict();

/** `a,b` or a repeated parameter → array. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (typeof v === 'string' ? v.split(',') : v), z.array(item).min(1));
}
