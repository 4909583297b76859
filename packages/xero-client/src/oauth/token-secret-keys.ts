/**
 * The keys of a token Secret (design.md): the Mage-style token set a person may pre-fill, which a
 * consent through the admin API and the reconciler's rotations write. `scope` is what the consent
 * granted; `tenant_id` names the organisation a pre-filled set was issued for.
 */
export const TOKEN_SECRET_KEYS = {
  accessToken: 'access_token',
  refreshToken: 'refresh_token',
  idToken: 'id_token',
  expiresAt: 'expires_at',
  scope: 'scope',
  tenantId: 'tenant_id',
} as const;
