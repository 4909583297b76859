import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Optional,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ACCESS_RULE } from './access.decorator.js';
import { TOKEN_PREFIX, type Database } from '@xero-access/model';
import { DB } from '../database/database.module.js';
import { OidcVerifier } from './oidc.js';
import { PRINCIPAL, type Principal, type RequestWithPrincipal } from './principal.js';
import { allows, type AccessRule } from './roles.js';
import { type VerifiedTokenCache } from './token-cache.js';

const unauthorized = (message: string) =>
  new HttpException({ statusCode: 401, error: 'Unauthorized', message }, 401);
const forbidden = (message: string) =>
  new HttpException({ statusCode: 403, error: 'Forbidden', message }, 403);

/** Why an API token without an owner cannot decide where the person matters, and what to use. */
const SHARED_TOKEN_REASON =
  'it is an API token without an ownerEmail (a shared or service token); decide with a personal ' +
  'token (POST /tokens with ownerEmail, or token create --owner-email) or an OIDC sign-in with a ' +
  'verified email';

/** Shared by the guard and the routes that revoke tokens. */
export const TOKEN_CACHE = Symbol('VerifiedTokenCache');

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** Authenticates every request and enforces the route's declared @Access rule. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(DB) private readonly db: Database,
    @Inject(TOKEN_CACHE) private readonly cache: VerifiedTokenCache<Principal>,
    @Optional() @Inject(OidcVerifier) private readonly oidc: OidcVerifier | null,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    // A route someone forgot to declare is closed, not open.
    if (rule === undefined) throw forbidden('this route declares no access rule');
    if (rule === 'public') return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithPrincipal>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw unauthorized('missing bearer token (Authorization: Bearer <token>)');
    const principal = await this.authenticate(token);
    request[PRINCIPAL] = principal;
    if (!allows(rule, principal.role)) {
      throw forbidden(
        rule === 'scim'
          ? 'this route needs the SCIM provisioning token'
          : `this route needs the ${rule} role (you have ${principal.role})`,
      );
    }
    return true;
  }

  private async authenticate(token: string): Promise<Principal> {
    if (token.startsWith(TOKEN_PREFIX)) {
      const cached = this.cache.get(token);
      if (cached) return cached;
      const found = await this.db.tokens.verify(token);
      if (!found) throw unauthorized('unknown, expired or revoked API token');
      const principal: Principal = {
        actor: `token:${found.name}`,
        role: found.role,
        email: found.ownerEmail,
        ...(found.ownerEmail === null ? { noEmailReason: SHARED_TOKEN_REASON } : {}),
        via: 'api-token',
      };
      this.cache.set(token, principal, found.expiresAt);
      return principal;
    }
    if (!this.oidc) throw unauthorized('not an API token, and OIDC is not configured');
    const verified = await this.oidc.verify(token);
    if (verified.outcome === 'invalid') throw unauthorized(verified.problem);
    if (verified.outcome === 'no-role') throw forbidden('none of your groups maps to a role');
    return { ...verified.identity, via: 'oidc' };
  }
}
