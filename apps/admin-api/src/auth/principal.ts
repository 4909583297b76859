import type { CredentialRole } from './roles.js';

/** Who is calling: set on the request by the auth guard, read by handlers and the audit log. */
export interface Principal {
  /** `token:<name>` or `oidc:<subject or email>`. */
  actor: string;
  role: CredentialRole;
  via: 'api-token' | 'oidc';
}

export const PRINCIPAL = Symbol('principal');
/** On public routes: who the audit log should name, when the route can tell (the OAuth callback). */
export const AUDIT_ACTOR = Symbol('auditActor');

export interface RequestWithPrincipal {
  [PRINCIPAL]?: Principal;
  [AUDIT_ACTOR]?: string;
}
