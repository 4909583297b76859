/** Xero keeps removed users, listed with this role: they can no longer get in. */
export const REMOVED_ROLE = 'REMOVED';

/** Whether a snapshot's user can get into the organisation: any role but REMOVED. */
export function hasAccess(user: { organisationRole: string }): boolean {
  return user.organisationRole !== REMOVED_ROLE;
}
