import { createHash } from 'node:crypto';
import type { TokenResponse } from '../state/model.js';
import type { IdentityContext } from './context.js';
import { authenticateClient, type PresentedClient } from './client-auth.js';
import { OAuthError } from './oauth-error.js';

type Form = Record<string, unknown>;

const field = (form: Form, name: string): string | undefined => {
  const value = form[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const pkceMatches = (challenge: string, method: string | undefined, verifier: string): boolean => {
  if (method === 'S256')
    return createHash('sha256').update(verifier).digest('base64url') === challenge;
  return verifier === challenge;
};

/** grant_type=authorization_code: single-use code, matching redirect_uri, PKCE when the code has a challenge. */
export async function exchangeAuthorizationCode(
  ctx: IdentityContext,
  presented: PresentedClient | undefined,
  form: Form,
): Promise<TokenResponse> {
  const code = field(form, 'code');
  const record = code ? ctx.store.authCodes.get(code) : undefined;
  const { app, usedSecret } = authenticateClient(
    ctx.store,
    presented,
    record?.codeChallenge !== undefined,
  );
  if (!code) throw new OAuthError('invalid_request', 'code missing');
  if (!record) throw new OAuthError('invalid_grant', 'unknown or already used code');
  ctx.store.authCodes.delete(code);
  if (record.clientId !== app.clientId)
    throw new OAuthError('invalid_grant', 'code was issued to another client');
  if (record.expiresAt <= ctx.clock.now()) throw new OAuthError('invalid_grant', 'code expired');
  if (field(form, 'redirect_uri') !== record.redirectUri)
    throw new OAuthError('invalid_grant', 'redirect_uri does not match');
  if (record.codeChallenge !== undefined) {
    const verifier = field(form, 'code_verifier');
    if (!verifier || !pkceMatches(record.codeChallenge, record.codeChallengeMethod, verifier)) {
      throw new OAuthError('invalid_grant', 'code_verifier does not match code_challenge');
    }
  }
  const grant = ctx.store.requireGrant(record.grantId);
  if (!usedSecret) grant.publicClient = true;
  return ctx.issuer.issue(grant, {
    withRefreshToken: true,
    ...(record.nonce ? { nonce: record.nonce } : {}),
  });
}

/**
 * grant_type=refresh_token: every use rotates. A rotated token replayed inside the grace
 * window answers with the very token set its first use produced; after that, invalid_grant.
 * Rotation is decided synchronously, so concurrent uses of one token share one new set.
 */
export async function refreshAccessToken(
  ctx: IdentityContext,
  presented: PresentedClient | undefined,
  form: Form,
): Promise<TokenResponse> {
  const token = field(form, 'refresh_token');
  const record = token ? ctx.store.refreshTokens.get(token) : undefined;
  const grant = record ? ctx.store.grants.get(record.grantId) : undefined;
  const { app } = authenticateClient(ctx.store, presented, grant?.publicClient === true);
  if (!token) throw new OAuthError('invalid_request', 'refresh_token missing');
  if (!record || !grant) throw new OAuthError('invalid_grant', 'unknown refresh token');
  if (record.clientId !== app.clientId)
    throw new OAuthError('invalid_grant', 'refresh token belongs to another client');
  if (grant.revoked) throw new OAuthError('invalid_grant', 'grant revoked');
  const now = ctx.clock.now();
  if (record.rotatedAt !== undefined) {
    if (record.successor && now - record.rotatedAt <= ctx.grantGraceMs) {
      ctx.stats.refreshReplayed();
      return record.successor;
    }
    throw new OAuthError(
      'invalid_grant',
      'refresh token already used and its grace period is over',
    );
  }
  if (record.expiresAt <= now) throw new OAuthError('invalid_grant', 'refresh token expired');
  record.rotatedAt = now;
  record.successor = ctx.issuer.issue(grant, { withRefreshToken: true });
  ctx.stats.refreshRotated();
  return record.successor;
}

/** grant_type=client_credentials: only for a custom connection, bound to its one tenant. */
export async function clientCredentials(
  ctx: IdentityContext,
  presented: PresentedClient | undefined,
  form: Form,
): Promise<TokenResponse> {
  const { app } = authenticateClient(ctx.store, presented, false);
  const custom = app.customConnection;
  if (!custom) throw new OAuthError('unauthorized_client', 'app is not a custom connection');
  const grant = ctx.store.requireGrant(custom.grantId);
  // Xero accepts `scope`; xero-node sends `scopes`. Both narrow nothing beyond the connection's scopes.
  const requested =
    (field(form, 'scope') ?? field(form, 'scopes'))?.split(/[\s,]+/).filter(Boolean) ?? [];
  const unknown = requested.filter((scope) => !custom.scopes.includes(scope));
  if (unknown.length > 0)
    throw new OAuthError(
      'invalid_scope',
      `scopes not granted to the custom connection: ${unknown.join(' ')}`,
    );
  return ctx.issuer.issue(grant, { withRefreshToken: false });
}
