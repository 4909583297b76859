import { type z } from 'zod';
import { xeroErrors } from './errors.js';

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(body)' : out;
}

/**
 * Parses a Xero response body; a violation becomes an InvalidResponse error naming the field
 * (`Users[2].UpdatedDateUTC: expected a Microsoft JSON date`), never a crash later.
 * Values are not echoed: a body may carry tokens.
 */
export function parseResponse<S extends z.ZodType>(
  schema: S,
  body: unknown,
  operation: string,
  statusCode?: number,
): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 3)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
  const more =
    result.error.issues.length > 3 ? ` (and ${result.error.issues.length - 3} more)` : '';
  throw xeroErrors.invalidResponse(operation, problems + more, statusCode);
}
