import type { FastifyInstance } from 'fastify';
import { authenticate, isDenial } from '../api/authenticate.js';
import type { ApiContext } from '../api/context.js';
import type { TokenResponse } from '../state/model.js';
import { authenticateClient, readPresentedClient } from './client-auth.js';
import type { IdentityContext } from './context.js';
import { discoveryDocument } from './discovery.js';
import { clientCredentials, exchangeAuthorizationCode, refreshAccessToken } from './grant-types.js';
import { OAuthError } from './oauth-error.js';

type Form = Record<string, unknown>;

/** identity.xero.com: discovery, JWKS, token, revocation and userinfo endpoints. */
export function registerIdentityRoutes(
  app: FastifyInstance,
  ctx: IdentityContext,
  apiCtx: ApiContext,
): void {
  app.get('/.well-known/openid-configuration', async () => discoveryDocument(ctx.urls));
  app.get('/.well-known/openid-configuration/jwks', async () => ({ keys: [ctx.keys.publicJwk] }));

  app.post('/connect/token', async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const grantType = typeof form.grant_type === 'string' ? form.grant_type : undefined;
    ctx.stats.tokenCall(grantType);
    try {
      if (ctx.faults.invalidClient)
        throw new OAuthError('invalid_client', 'forced by the invalidClient fault');
      const presented = readPresentedClient(request.headers.authorization, form);
      let response: TokenResponse;
      switch (grantType) {
        case 'authorization_code':
          response = await exchangeAuthorizationCode(ctx, presented, form);
          break;
        case 'refresh_token':
          response = await refreshAccessToken(ctx, presented, form);
          break;
        case 'client_credentials':
          response = await clientCredentials(ctx, presented, form);
          break;
        default:
          authenticateClient(ctx.store, presented, true);
          throw new OAuthError(
            'unsupported_grant_type',
            `grant_type ${grantType ?? '(missing)'} is not supported`,
          );
      }
      return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(response);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      ctx.stats.tokenError(error.code);
      request.log.info({ oauthError: error.code, reason: error.reason }, 'token request refused');
      return reply.code(400).header('Cache-Control', 'no-store').send({ error: error.code });
    }
  });

  app.post('/connect/revocation', async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const { app: client } = authenticateClient(
        ctx.store,
        readPresentedClient(request.headers.authorization, form),
        false,
      );
      const token = typeof form.token === 'string' ? form.token : '';
      const record = ctx.store.refreshTokens.get(token);
      if (record && record.clientId === client.clientId) {
        const grant = ctx.store.grants.get(record.grantId);
        if (grant) {
          grant.revoked = true;
          grant.connections.clear();
        }
      }
      return reply.code(200).send();
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return reply.code(400).send({ error: error.code });
    }
  });

  app.get('/connect/userinfo', async (request, reply) => {
    const caller = authenticate(apiCtx, request);
    if (isDenial(caller))
      return reply.code(caller.status).headers(caller.headers).send(caller.body);
    const identity = caller.grant.identity;
    if (!identity) return reply.code(403).send({ error: 'insufficient_scope' });
    return {
      sub: identity.xeroUserId.replace(/-/g, ''),
      xero_userid: identity.xeroUserId,
      preferred_username: identity.email,
      email: identity.email,
      given_name: identity.firstName,
      family_name: identity.lastName,
      name: `${identity.firstName} ${identity.lastName}`,
    };
  });
}
