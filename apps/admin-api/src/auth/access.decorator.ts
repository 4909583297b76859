import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { Fails } from '../openapi/error-responses.js';
import type { AccessRule } from './roles.js';

export const ACCESS_RULE = 'xao:access-rule';
/** OpenAPI extension naming the rule, so the route table can be read from the document. */
export const ACCESS_EXTENSION = 'x-required-role';

/**
 * Declares once who may call a route. The global guard refuses routes without it (fail closed),
 * and the authorization matrix test enumerates these declarations from the OpenAPI document.
 * A protected route also documents what any of them may answer: 401/403 from the guard, 415 for a
 * body in a media type nothing reads, 429 from the rate limit, 503 when the database is busy or
 * unreachable (the guard itself looks tokens up there).
 */
export function Access(rule: AccessRule) {
  const decorators = [SetMetadata(ACCESS_RULE, rule), ApiExtension(ACCESS_EXTENSION, rule)];
  if (rule !== 'public') {
    decorators.push(
      ApiBearerAuth(rule === 'scim' ? 'scim' : 'bearer'),
      Fails([401, 403, 415, 429, 503]),
    );
  }
  return applyDecorators(...decorators);
}
