import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppRecord, GrantRecord, TenantRecord } from '../state/model.js';
import { authenticate, isDenial } from './authenticate.js';
import type { ApiContext } from './context.js';
import { xeroProblem } from './problem.js';
import { acceptsJson, toXeroXml } from './xml.js';

export interface AccountingCall {
  request: FastifyRequest;
  app: AppRecord;
  grant: GrantRecord;
  tenant: TenantRecord;
  now: number;
}

export interface AccountingResult {
  status: number;
  body: unknown;
}

/** Scopes that let a token read organisation settings (Users, Organisation, Currencies). */
export const SETTINGS_READ_SCOPES = ['accounting.settings', 'accounting.settings.read'] as const;

/**
 * Wraps an accounting endpoint in what Xero does before answering: authenticate the bearer
 * token (401), check xero-tenant-id against the grant's connections (403), check scopes (401
 * AuthorizationUnsuccessful, as Xero's gateway answers a missing scope), apply the rate limits
 * (429), then answer. Every answer carries the three limit headers. The in-flight slot is held from
 * admission until just before the answer is written, including any injected latency.
 * Answers are XML unless the request accepts JSON, as at Xero.
 */
export function accountingHandler(
  ctx: ApiContext,
  produce: (call: AccountingCall) => AccountingResult,
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const caller = authenticate(ctx, request);
    if (isDenial(caller))
      return reply.code(caller.status).headers(caller.headers).send(caller.body);
    const { app, grant } = caller;

    const tenantHeader = request.headers['xero-tenant-id'];
    const tenantId = Array.isArray(tenantHeader) ? tenantHeader[0] : tenantHeader;
    const tenant = tenantId ? ctx.store.tenants.get(tenantId.trim().toLowerCase()) : undefined;
    // Xero answers a grant that may no longer reach the organisation (revoked, disconnected, the
    // consenting user removed from it or their role changed: the `forbidden` fault) the same way.
    if (
      !tenant ||
      grant.revoked ||
      !ctx.store.connectionForTenant(grant, tenant.tenantId) ||
      ctx.faults.forbids(tenant.tenantId, accountingPath(request.url))
    ) {
      return reply
        .code(403)
        .headers(ctx.limiter.standingHeaders({ clientId: app.clientId }))
        .send(xeroProblem(403, 'Forbidden', 'AuthenticationUnsuccessful'));
    }
    if (!SETTINGS_READ_SCOPES.some((scope) => caller.scopes.has(scope))) {
      return reply
        .code(401)
        .headers(ctx.limiter.standingHeaders({ clientId: app.clientId, tenantId: tenant.tenantId }))
        .send(xeroProblem(401, 'Unauthorized', 'AuthorizationUnsuccessful'));
    }

    const admission = ctx.limiter.admit(app.clientId, tenant.tenantId);
    reply.headers(admission.headers);
    if (!admission.ok) {
      return reply
        .code(429)
        .headers({
          'Retry-After': String(admission.retryAfterSeconds),
          'X-Rate-Limit-Problem': admission.problem,
        })
        .send(xeroProblem(429, 'Too Many Requests', `Rate limit exceeded: ${admission.problem}`));
    }
    // Safety net for a client that hangs up (or a handler that throws) while the slot is held.
    reply.raw.once('close', admission.release);
    await ctx.faults.delay('api');
    const result = produce({ request, app, grant, tenant, now: ctx.clock.now() });
    // Free the slot before the answer leaves: a client that sends its next call the moment
    // this answer arrives must never find the slot still taken.
    admission.release();
    if (acceptsJson(request.headers.accept)) return reply.code(result.status).send(result.body);
    return reply
      .code(result.status)
      .type('text/xml; charset=utf-8')
      .send(toXeroXml(result.body as Record<string, unknown>));
  };
}

/** The endpoint a request URL calls, after /api.xro/2.0/ and without the query: `Users`, `Users/{id}`. */
function accountingPath(url: string): string {
  const path = url.split('?')[0]!;
  const at = path.toLowerCase().indexOf('/api.xro/2.0/');
  return at < 0 ? path : path.slice(at + '/api.xro/2.0/'.length);
}
