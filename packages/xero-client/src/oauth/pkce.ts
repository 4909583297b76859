import { createHash, randomBytes } from 'node:crypto';

export interface PkcePair {
  /** Keep it (server side) until the code exchange; it is a secret. */
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

export function createPkcePair(): PkcePair {
  const codeVerifier = randomBytes(48).toString('base64url');
  return { codeVerifier, codeChallenge: pkceChallenge(codeVerifier), codeChallengeMethod: 'S256' };
}

export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}

/** An unguessable `state` to bind the authorize redirect to the session that started it. */
export function createState(): string {
  return randomBytes(24).toString('base64url');
}
