import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { ID_TOKEN_TTL_MS, type Clock } from '../config.js';
import type { GrantRecord, TokenResponse } from '../state/model.js';
import type { SandboxStore } from '../state/store.js';
import { newHexId, newOpaqueToken } from '../util/ids.js';
import type { SigningKeys } from './keys.js';

export interface TokenIssuerOptions {
  issuer: string;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  grantGraceMs: number;
}

/** Sweep unusable tokens after this many issued sets (cheap relative to the work of issuing). */
const PRUNE_EVERY = 1000;

export interface IssueOptions {
  nonce?: string;
  withRefreshToken: boolean;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** OIDC at_hash: left half of the SHA-256 of the access token, base64url. */
const atHash = (accessToken: string): string =>
  createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');

/** Xero's `sub` is the user's id as 32 hex characters. */
const subjectOf = (xeroUserId: string): string => xeroUserId.replace(/-/g, '');

/** Mints token sets shaped like Xero's: RS256 JWT access and id tokens, opaque refresh tokens. */
export class TokenIssuer {
  private issuedSincePrune = 0;

  constructor(
    private readonly store: SandboxStore,
    private readonly keys: SigningKeys,
    private readonly clock: Clock,
    private readonly options: TokenIssuerOptions,
  ) {}

  get issuer(): string {
    return this.options.issuer;
  }

  async issue(grant: GrantRecord, options: IssueOptions): Promise<TokenResponse> {
    const now = this.clock.now();
    if (++this.issuedSincePrune >= PRUNE_EVERY) {
      this.issuedSincePrune = 0;
      this.store.pruneUnusable(now, this.options.grantGraceMs);
    }
    const scopes = [...grant.scopes];
    const accessExpiresAt = now + this.options.accessTokenTtlMs;
    const identity = grant.identity;
    const accessClaims: Record<string, unknown> = {
      nbf: seconds(now),
      client_id: grant.clientId,
      jti: newHexId().toUpperCase(),
      authentication_event_id: grant.grantId,
      scope: scopes,
    };
    if (identity) {
      Object.assign(accessClaims, {
        sub: subjectOf(identity.xeroUserId),
        auth_time: seconds(grant.createdAt),
        xero_userid: identity.xeroUserId,
        global_session_id: grant.sessionId,
        sid: grant.sessionId,
      });
    }
    const accessToken = await new SignJWT(accessClaims)
      .setProtectedHeader({ alg: 'RS256', kid: this.keys.kid, typ: 'JWT' })
      .setIssuer(this.options.issuer)
      .setAudience(`${this.options.issuer}/resources`)
      .setExpirationTime(seconds(accessExpiresAt))
      .sign(this.keys.privateKey);
    this.store.accessTokens.set(accessToken, {
      grantId: grant.grantId,
      clientId: grant.clientId,
      scopes,
      expiresAt: accessExpiresAt,
    });

    const response: TokenResponse = {
      access_token: accessToken,
      expires_in: Math.ceil(this.options.accessTokenTtlMs / 1000),
      token_type: 'Bearer',
      scope: scopes.join(' '),
    };
    if (identity && grant.scopes.has('openid')) {
      response.id_token = await this.idToken(grant, accessToken, now, options.nonce);
    }
    if (options.withRefreshToken && grant.scopes.has('offline_access')) {
      const refreshToken = newOpaqueToken();
      this.store.refreshTokens.set(refreshToken, {
        token: refreshToken,
        grantId: grant.grantId,
        clientId: grant.clientId,
        issuedAt: now,
        expiresAt: now + this.options.refreshTokenTtlMs,
      });
      response.refresh_token = refreshToken;
    }
    return response;
  }

  private async idToken(
    grant: GrantRecord,
    accessToken: string,
    now: number,
    nonce?: string,
  ): Promise<string> {
    const identity = grant.identity!;
    const claims: Record<string, unknown> = {
      nbf: seconds(now),
      auth_time: seconds(grant.createdAt),
      at_hash: atHash(accessToken),
      sid: grant.sessionId,
      xero_userid: identity.xeroUserId,
      global_session_id: grant.sessionId,
      preferred_username: identity.email,
      amr: ['pwd'],
    };
    if (grant.scopes.has('email')) claims.email = identity.email;
    if (grant.scopes.has('profile')) {
      Object.assign(claims, {
        given_name: identity.firstName,
        family_name: identity.lastName,
        name: `${identity.firstName} ${identity.lastName}`,
      });
    }
    if (nonce) claims.nonce = nonce;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: this.keys.kid, typ: 'JWT' })
      .setIssuer(this.options.issuer)
      .setAudience(grant.clientId)
      .setSubject(subjectOf(identity.xeroUserId))
      .setIssuedAt(seconds(now))
      .setExpirationTime(seconds(now + ID_TOKEN_TTL_MS))
      .sign(this.keys.privateKey);
  }
}
