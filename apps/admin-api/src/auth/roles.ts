/** Human roles, each including the one before it. */
export const ROLES = ['viewer', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route requires: a human role (or higher), the SCIM provisioning token, or nothing. */
export type AccessRule = Role | 'scim' | 'public';

/** The roles a credential can carry. `scim` is separate: it reaches SCIM routes only. */
export type CredentialRole = Role | 'scim';
export const CREDENTIAL_ROLES: readonly CredentialRole[] = [...ROLES, 'scim'];

export function isCredentialRole(value: string): value is CredentialRole {
  return (CREDENTIAL_ROLES as readonly string[]).includes(value);
}

/** Whether a credential with `role` may use a route declared with `rule`. */
export function allows(rule: AccessRule, role: CredentialRole): boolean {
  if (rule === 'public') return true;
  if (rule === 'scim' || role === 'scim') return rule === role;
  return ROLES.indexOf(role) >= ROLES.indexOf(rule);
}

/** The highest of some roles (OIDC users in several mapped groups). */
export function highestRole(roles: readonly Role[]): Role | null {
  let best = -1;
  for (const role of roles) best = Math.max(best, ROLES.indexOf(role));
  return best < 0 ? null : ROLES[best]!;
}
