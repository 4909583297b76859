import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { PRINCIPAL, type Principal, type RequestWithPrincipal } from './principal.js';

/** The authenticated caller (handlers of non-public routes only). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const principal = request[PRINCIPAL];
    if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
    return principal;
  },
);
