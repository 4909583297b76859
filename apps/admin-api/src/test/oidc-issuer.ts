import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { OidcVerifier } from '../auth/oidc.js';
import type { Role } from '../auth/roles.js';

export const TEST_ISSUER = 'https://idp.example';
export const TEST_AUDIENCE = 'xao-admin';

export interface JwtOptions {
  issuer?: string;
  audience?: string;
  expires?: string;
  /** The `sub` claim (default `user-1`); null leaves it out. */
  subject?: string | null;
}

export interface OidcIssuer {
  /** A verifier for the app, trusting this issuer's JWKS (groups claim: `groups`, email claim: `email` unless told). */
  verifier: OidcVerifier;
  /** A signed JWT with these claims (subject `user-1`, valid 5 minutes unless told). */
  jwt(claims: Record<string, unknown>, options?: JwtOptions): Promise<string>;
  close(): Promise<void>;
}

/** An identity provider on loopback: a JWKS endpoint, and a signer for the key it publishes. */
export async function startOidcIssuer(
  groupRoles: Record<string, Role>,
  options: { emailClaim?: string } = {},
): Promise<OidcIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const server = createServer((_req, res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  return {
    verifier: new OidcVerifier({
      jwksUrl,
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      groupsClaim: 'groups',
      emailClaim: options.emailClaim ?? 'email',
      groupRoles,
    }),
    jwt: (claims, jwtOptions = {}) => {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(jwtOptions.issuer ?? TEST_ISSUER)
        .setAudience(jwtOptions.audience ?? TEST_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(jwtOptions.expires ?? '5m');
      const subject = jwtOptions.subject === undefined ? 'user-1' : jwtOptions.subject;
      return (subject === null ? jwt : jwt.setSubject(subject)).sign(privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
