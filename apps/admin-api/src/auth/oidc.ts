import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { AppConfig } from '../config/config.js';
import { highestRole, type Role } from './roles.js';

export interface OidcIdentity {
  /** `oidc:<email>` when the email is vouched for, else `oidc:<sub>`: never a claim the user can set. */
  actor: string;
  role: Role;
  /** The person's email, only when the identity provider vouches for it (see `personEmail`). */
  email: string | null;
  /** When `email` is null: why, and what to configure, for refusals that need the person. */
  noEmailReason?: string;
}

export type OidcVerification =
  /** Not a token of the configured issuer and audience, expired, or naming nobody: 401. */
  | { outcome: 'invalid'; problem: string }
  /** A valid token none of whose groups maps to a role: 403. */
  | { outcome: 'no-role' }
  | { outcome: 'ok'; identity: OidcIdentity };

type OidcSettings = AppConfig['oidc'] & { jwksUrl: string };

const emailAddress = z.email().max(320);

/**
 * The person's email from the configured claim, or why there is none. The standard `email` claim
 * is one many identity providers let users edit (Entra ID's `email`, a self-service profile), so
 * it counts only with `email_verified: true` (OIDC Core 5.1); an access token that omits
 * `email_verified` names no one. Another claim (`OIDC_EMAIL_CLAIM`, e.g. Entra ID's `upn`) is one
 * the operator says only the identity provider's administrators set.
 */
function personEmail(
  payload: JWTPayload,
  claim: string,
): { email: string } | { email: null; reason: string } {
  const value = payload[claim];
  const fix =
    claim === 'email'
      ? "have the identity provider send the person's verified email (email_verified: true), or set OIDC_EMAIL_CLAIM to a claim only its administrators can set (e.g. upn on Entra ID)"
      : `have the identity provider put the person's email in "${claim}", or set OIDC_EMAIL_CLAIM to the claim that carries it`;
  if (typeof value !== 'string' || value.trim() === '')
    return { email: null, reason: `its OIDC token has no "${claim}" claim; ${fix}` };
  if (!emailAddress.safeParse(value.trim()).success)
    return {
      email: null,
      reason: `its OIDC token's "${claim}" claim is not an email address; ${fix}`,
    };
  // Some providers (Cognito, older B2C policies) send the flag as a string.
  const verified = payload.email_verified === true || payload.email_verified === 'true';
  if (claim === 'email' && !verified)
    return {
      email: null,
      reason: `its OIDC token's "email" claim is not verified (email_verified is not true); ${fix}`,
    };
  return { email: value.trim() };
}

/** Verifies OIDC JWTs against a JWKS and maps the groups claim to a role. */
export class OidcVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: OidcSettings) {
    this.jwks = createRemoteJWKSet(new URL(config.jwksUrl));
  }

  async verify(token: string): Promise<OidcVerification> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        ...(this.config.issuer ? { issuer: this.config.issuer } : {}),
        ...(this.config.audience ? { audience: this.config.audience } : {}),
      }));
    } catch {
      return { outcome: 'invalid', problem: 'invalid or expired OIDC token' };
    }
    // The subject is the one identifier the issuer guarantees stable and unique: without it the
    // audit log could not tell people apart.
    if (typeof payload.sub !== 'string' || payload.sub === '')
      return { outcome: 'invalid', problem: 'the OIDC token has no sub claim, so it names nobody' };
    const claim = payload[this.config.groupsClaim];
    const groups = Array.isArray(claim)
      ? claim.filter((g): g is string => typeof g === 'string')
      : typeof claim === 'string'
        ? [claim]
        : [];
    const role = highestRole(
      groups.map((g) => this.config.groupRoles[g]).filter((r): r is Role => r !== undefined),
    );
    if (!role) return { outcome: 'no-role' };
    const person = personEmail(payload, this.config.emailClaim);
    return {
      outcome: 'ok',
      identity: {
        actor: `oidc:${person.email ?? payload.sub}`,
        role,
        email: person.email,
        ...(person.email === null ? { noEmailReason: person.reason } : {}),
      },
    };
  }
}
