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
}

export interface OidcIssuer {
  /** A verifier for the app, trusting this issuer's JWKS (groups claim: `groups`). */
  verifier: OidcVerifier;
  /** A signed JWT with these claims (subject `user-1`, valid 5 minutes unless told). */
  jwt(claims: Record<string, unknown>, options?: JwtOptions): Promise<string>;
  close(): Promise<void>;
}

/** An identity provider on loopback: a JWKS endpoint, and a signer for the key it publishes. */
export async function startOidcIssuer(groupRoles: Record<string, Role>): Promise<OidcIssuer> {
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
      groupRoles,
    }),
    jwt: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(options.issuer ?? TEST_ISSUER)
        .setAudience(options.audience ?? TEST_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(options.expires ?? '5m')
        .setSubject('user-1')
        .sign(privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
