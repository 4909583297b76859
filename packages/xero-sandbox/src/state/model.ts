import type { OrganisationRole } from '../seed/schema.js';

export interface AppRecord {
  name: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Set for a Xero custom connection (client_credentials, bound to one tenant). */
  customConnection?: { tenantId: string; scopes: string[]; grantId: string };
}

export interface UserRecord {
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  organisationRole: OrganisationRole;
  isSubscriber: boolean;
  /** Epoch milliseconds of the last change (UpdatedDateUTC). */
  updatedAt: number;
}

export interface CurrencyRecord {
  code: string;
  description: string;
}

export interface TenantRecord {
  tenantId: string;
  name: string;
  legalName: string;
  tenantType: 'ORGANISATION' | 'PRACTICE';
  shortCode: string;
  countryCode: string;
  version: string;
  baseCurrency: string;
  timezone: string;
  organisationType: string;
  createdAt: number;
  currencies: CurrencyRecord[];
  users: Map<string, UserRecord>;
}

/** The Xero user who logged in and consented (the id_token subject). */
export interface IdentityRecord {
  xeroUserId: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface ConnectionRecord {
  id: string;
  tenantId: string;
  createdAt: number;
  updatedAt: number;
}

/** One consent (Xero's auth event): an app, a person, scopes and the tenants connected. */
export interface GrantRecord {
  grantId: string;
  clientId: string;
  kind: 'authorization_code' | 'client_credentials';
  identity?: IdentityRecord;
  scopes: Set<string>;
  connections: Map<string, ConnectionRecord>;
  revoked: boolean;
  /** Set when the code was exchanged with PKCE and no client secret: refreshes need no secret either. */
  publicClient?: boolean;
  sessionId: string;
  createdAt: number;
}

/** The token endpoint's JSON answer, exactly as sent. */
export interface TokenResponse {
  id_token?: string;
  access_token: string;
  expires_in: number;
  token_type: 'Bearer';
  refresh_token?: string;
  scope: string;
}

export interface RefreshTokenRecord {
  token: string;
  grantId: string;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
  /** Set once the token was spent; a replay inside the grace window answers with `successor`. */
  rotatedAt?: number;
  successor?: Promise<TokenResponse>;
}

export interface AccessTokenRecord {
  grantId: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

export interface AuthCodeRecord {
  code: string;
  grantId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
  expiresAt: number;
}
