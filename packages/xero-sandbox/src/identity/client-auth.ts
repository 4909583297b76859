import { timingSafeEqual } from 'node:crypto';
import type { AppRecord } from '../state/model.js';
import type { SandboxStore } from '../state/store.js';
import { OAuthError } from './oauth-error.js';

export interface PresentedClient {
  clientId: string;
  clientSecret?: string;
  via: 'basic' | 'body';
}

const formDecode = (value: string): string => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
};

/** Reads client credentials from HTTP Basic (preferred by Xero) or from the form body. */
export function readPresentedClient(
  authorization: string | undefined,
  body: Record<string, unknown>,
): PresentedClient | undefined {
  if (authorization && /^Basic\s+/i.test(authorization)) {
    const decoded = Buffer.from(authorization.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
      via: 'basic',
    };
  }
  if (typeof body.client_id === 'string' && body.client_id !== '') {
    return {
      clientId: body.client_id,
      ...(typeof body.client_secret === 'string' ? { clientSecret: body.client_secret } : {}),
      via: 'body',
    };
  }
  return undefined;
}

const sameSecret = (expected: string, given: string): boolean => {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * Authenticates the client. A missing secret is accepted only when `allowPublic` (PKCE);
 * anything else wrong is `invalid_client`, as Xero answers.
 */
export function authenticateClient(
  store: SandboxStore,
  presented: PresentedClient | undefined,
  allowPublic: boolean,
): { app: AppRecord; usedSecret: boolean } {
  if (!presented) throw new OAuthError('invalid_client', 'no client credentials presented');
  const app = store.apps.get(presented.clientId);
  if (!app) throw new OAuthError('invalid_client', 'unknown client_id');
  if (presented.clientSecret === undefined || presented.clientSecret === '') {
    if (allowPublic) return { app, usedSecret: false };
    throw new OAuthError('invalid_client', 'client secret missing');
  }
  if (!sameSecret(app.clientSecret, presented.clientSecret))
    throw new OAuthError('invalid_client', 'client secret does not match');
  return { app, usedSecret: true };
}
