import { createHash } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PRINCIPAL, type RequestWithPrincipal } from '../auth/principal.js';
import type { ApiRateLimit } from './api-rate-limit.js';

export const CALLER_RATE_LIMIT = Symbol('CallerRateLimit');

/**
 * Runs after the AuthGuard: counts the request against the verified caller (an API token, or an
 * OIDC identity across its tokens), so one client cannot starve another behind the same address.
 * An unverified credential never reaches it, so it cannot open a fresh counter.
 */
@Injectable()
export class CallerRateLimitGuard implements CanActivate {
  constructor(@Inject(CALLER_RATE_LIMIT) private readonly limit: ApiRateLimit) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const principal = http.getRequest<FastifyRequest & RequestWithPrincipal>()[PRINCIPAL];
    // Public routes: the client address limit counts them.
    if (!principal) return true;
    // Hashed: an actor may be an email address.
    const caller = createHash('sha256').update(principal.actor).digest('hex').slice(0, 32);
    await this.limit.enforce(caller, http.getResponse<FastifyReply>());
    return true;
  }
}
