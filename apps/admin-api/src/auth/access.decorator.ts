import { SetMetadata, applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtension,
  ApiForbiddenResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { AccessRule } from './roles.js';

export const ACCESS_RULE = 'xao:access-rule';
/** OpenAPI extension naming the rule, so the route table can be read from the document. */
export const ACCESS_EXTENSION = 'x-required-role';

/**
 * Declares once who may call a route. The global guard refuses routes without it (fail closed),
 * and the authorization matrix test enumerates these declarations from the OpenAPI document.
 */
export function Access(rule: AccessRule) {
  const decorators = [SetMetadata(ACCESS_RULE, rule), ApiExtension(ACCESS_EXTENSION, rule)];
  if (rule !== 'public') {
    decorators.push(
      ApiBearerAuth(rule === 'scim' ? 'scim' : 'bearer'),
      ApiUnauthorizedResponse({
        description: 'No credential, or one that is unknown, expired or revoked.',
      }),
      ApiForbiddenResponse({ description: `The credential's role is below ${rule}.` }),
    );
  }
  return applyDecorators(...decorators);
}
