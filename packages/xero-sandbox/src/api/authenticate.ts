import type { FastifyRequest } from 'fastify';
import type { AppRecord, GrantRecord } from '../state/model.js';
import { tokenExpiredStamp } from '../util/dates.js';
import type { ApiContext } from './context.js';
import { xeroProblem, type XeroProblem } from './problem.js';

export interface Caller {
  app: AppRecord;
  grant: GrantRecord;
  /** Scopes the token carries that the grant still holds. */
  scopes: Set<string>;
}

export interface Denial {
  status: number;
  body: XeroProblem;
  headers: Record<string, string>;
}

/** 401 as Xero's gateway answers it; the limit headers name the app when the token reveals it. */
function unauthorized(ctx: ApiContext, detail: string, clientId?: string): Denial {
  return {
    status: 401,
    body: xeroProblem(401, 'Unauthorized', detail),
    headers: {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
      ...ctx.limiter.standingHeaders({ clientId }),
    },
  };
}

/** Resolves the bearer token as Xero's gateway does: unknown or forced → 401, expired → 401 TokenExpired. */
export function authenticate(ctx: ApiContext, request: FastifyRequest): Caller | Denial {
  const header = request.headers.authorization;
  if (!header || !/^Bearer\s+\S+/i.test(header))
    return unauthorized(ctx, 'AuthenticationUnsuccessful');
  const token = header.replace(/^Bearer\s+/i, '').trim();
  const record = ctx.store.accessTokens.get(token);
  if (ctx.faults.unauthorized || !record)
    return unauthorized(ctx, 'AuthenticationUnsuccessful', record?.clientId);
  if (record.expiresAt <= ctx.clock.now()) {
    return unauthorized(
      ctx,
      `TokenExpired: token expired at ${tokenExpiredStamp(record.expiresAt)}`,
      record.clientId,
    );
  }
  const grant = ctx.store.grants.get(record.grantId);
  const app = ctx.store.apps.get(record.clientId);
  if (!grant || !app) return unauthorized(ctx, 'AuthenticationUnsuccessful');
  return { app, grant, scopes: new Set(record.scopes.filter((scope) => grant.scopes.has(scope))) };
}

export const isDenial = (value: Caller | Denial): value is Denial => 'status' in value;
