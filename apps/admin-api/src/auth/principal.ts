import type { CredentialRole } from './roles.js';

/** Who is calling: set on the request by the auth guard, read by handlers and the audit log. */
export interface Principal {
  /** `token:<name>`, or `oidc:<verified email>`, else `oidc:<sub>`. */
  actor: string;
  role: CredentialRole;
  /**
   * The person's email, when the credential vouches for one (a verified OIDC email, see
   * OIDC_EMAIL_CLAIM, or an API token's `ownerEmail`), so rules about the caller's own access can
   * apply. null otherwise: a service or shared token, or an unverified email, names no person.
   */
  email: string | null;
  /** When `email` is null: why, and what to configure; refusals that need the person say it. */
  noEmailReason?: string;
  via: 'api-token' | 'oidc';
}

export const PRINCIPAL = Symbol('principal');
/** On public routes: who the audit log should name, when the route can tell (the OAuth callback). */
export const AUDIT_ACTOR = Symbol('auditActor');
/** The id the audit log records instead of the path's, when the handler stores another form of it. */
export const AUDIT_RESOURCE_ID = Symbol('auditResourceId');

export interface RequestWithPrincipal {
  [PRINCIPAL]?: Principal;
  [AUDIT_ACTOR]?: string;
  [AUDIT_RESOURCE_ID]?: string;
}
