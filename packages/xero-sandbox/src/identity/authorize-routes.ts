import type { FastifyInstance, FastifyReply } from 'fastify';
import { createGrant } from '../state/grants.js';
import { newOpaqueToken, newHexId } from '../util/ids.js';
import { consentPage, errorPage } from './consent-page.js';
import type { IdentityContext } from './context.js';
import { consentCandidates, loginIdentity } from './login-identity.js';

type Params = Record<string, string>;

const asParams = (input: unknown): Params => {
  const params: Params = {};
  for (const [key, value] of Object.entries((input ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string') params[key] = value;
  }
  return params;
};

const isTrue = (value: string | undefined): boolean => value === 'true' || value === '1';

const redirectWith = (reply: FastifyReply, redirectUri: string, values: Params): FastifyReply => {
  const target = new URL(redirectUri);
  for (const [key, value] of Object.entries(values)) target.searchParams.set(key, value);
  return reply.redirect(target.toString(), 302);
};

/**
 * login.xero.com's authorize step. `sandbox_auto_consent=true` skips the page and connects
 * `sandbox_tenants` (comma-separated ids) or every tenant the person belongs to;
 * `sandbox_user=<email>` chooses who is logged in.
 */
export function registerAuthorizeRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const path = '/identity/connect/authorize';

  const handle = async (
    params: Params,
    chosenTenants: string[] | undefined,
    decision: string | undefined,
    reply: FastifyReply,
  ) => {
    const client = params.client_id ? ctx.store.apps.get(params.client_id) : undefined;
    if (!client)
      return reply
        .code(400)
        .type('text/html')
        .send(errorPage('unauthorized_client: unknown client_id'));
    const redirectUri = params.redirect_uri;
    if (
      !redirectUri ||
      (client.redirectUris.length > 0 && !client.redirectUris.includes(redirectUri))
    ) {
      return reply
        .code(400)
        .type('text/html')
        .send(errorPage('invalid_request: redirect_uri is not registered for this app'));
    }
    const state: Params = params.state !== undefined ? { state: params.state } : {};
    if (params.response_type !== 'code') {
      return redirectWith(reply, redirectUri, { error: 'unsupported_response_type', ...state });
    }
    const scopes = (params.scope ?? '').split(/\s+/).filter(Boolean);
    if (scopes.length === 0)
      return redirectWith(reply, redirectUri, { error: 'invalid_scope', ...state });
    if (params.code_challenge_method && !['S256', 'plain'].includes(params.code_challenge_method)) {
      return redirectWith(reply, redirectUri, { error: 'invalid_request', ...state });
    }

    const identity = loginIdentity(ctx.store, params.sandbox_user);
    const candidates = consentCandidates(ctx.store, identity);
    const autoConsent = isTrue(params.sandbox_auto_consent);
    if (!autoConsent && decision === undefined) {
      return reply.type('text/html').send(
        consentPage({
          appName: client.name,
          userEmail: identity.email,
          scopes,
          tenants: candidates.map((id) => ({
            tenantId: id,
            name: ctx.store.requireTenant(id).name,
          })),
          params,
          action: `${ctx.urls.login}${path}`,
        }),
      );
    }
    if (decision === 'deny')
      return redirectWith(reply, redirectUri, { error: 'access_denied', ...state });

    const requested =
      autoConsent && params.sandbox_tenants
        ? params.sandbox_tenants.split(',').map((s) => s.trim().toLowerCase())
        : chosenTenants;
    const tenantIds = (requested ?? candidates).filter((id) => ctx.store.tenants.has(id));
    if (tenantIds.length === 0)
      return redirectWith(reply, redirectUri, { error: 'access_denied', ...state });

    const now = ctx.clock.now();
    const grant = createGrant(ctx.store, {
      clientId: client.clientId,
      kind: 'authorization_code',
      tenantIds,
      scopes,
      identity,
      now,
    });
    const code = newOpaqueToken();
    ctx.store.authCodes.set(code, {
      code,
      grantId: grant.grantId,
      clientId: client.clientId,
      redirectUri,
      scopes,
      expiresAt: now + ctx.authCodeTtlMs,
      ...(params.code_challenge ? { codeChallenge: params.code_challenge } : {}),
      ...(params.code_challenge_method
        ? { codeChallengeMethod: params.code_challenge_method }
        : {}),
      ...(params.nonce ? { nonce: params.nonce } : {}),
    });
    return redirectWith(reply, redirectUri, {
      code,
      scope: scopes.join(' '),
      ...state,
      session_state: newHexId(),
    });
  };

  app.get(path, async (request, reply) =>
    handle(asParams(request.query), undefined, undefined, reply),
  );

  app.post(path, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const tenants =
      body.tenant === undefined
        ? []
        : Array.isArray(body.tenant)
          ? body.tenant.map(String)
          : [String(body.tenant)];
    const decision = typeof body.decision === 'string' ? body.decision : 'allow';
    return handle(asParams(body), tenants, decision, reply);
  });
}
