import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { AppConfig } from '../config/config.js';
import { highestRole, type Role } from './roles.js';

export interface OidcIdentity {
  actor: string;
  role: Role;
  email: string | null;
}

/** Verifies OIDC JWTs against a JWKS and maps the groups claim to a role. */
export class OidcVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: AppConfig['oidc'] & { jwksUrl: string }) {
    this.jwks = createRemoteJWKSet(new URL(config.jwksUrl));
  }

  /** null when the token is invalid or maps to no role (both answer 401/403 upstream). */
  async verify(token: string): Promise<{ identity: OidcIdentity | null; valid: boolean }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        ...(this.config.issuer ? { issuer: this.config.issuer } : {}),
        ...(this.config.audience ? { audience: this.config.audience } : {}),
      }));
    } catch {
      return { identity: null, valid: false };
    }
    const claim = payload[this.config.groupsClaim];
    const groups = Array.isArray(claim)
      ? claim.filter((g): g is string => typeof g === 'string')
      : typeof claim === 'string'
        ? [claim]
        : [];
    const role = highestRole(
      groups.map((g) => this.config.groupRoles[g]).filter((r): r is Role => r !== undefined),
    );
    const email = typeof payload.email === 'string' && payload.email !== '' ? payload.email : null;
    const who = email ?? payload.sub ?? 'unknown';
    return { identity: role ? { actor: `oidc:${who}`, role, email } : null, valid: true };
  }
}
