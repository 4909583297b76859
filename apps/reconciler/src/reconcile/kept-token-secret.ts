/** The reason of the Normal Event naming the token Secret a deletion leaves in place. */
export const TOKEN_SECRET_KEPT = 'TokenSecretKept';

/**
 * What became of the grant when its XeroConnection was deleted: `kept` without
 * spec.revokeGrantOnDelete; `partly-revoked` when organisations other XeroConnections monitor
 * stayed connected; `not-revoked` when revoking was refused, failed or found nothing to disconnect.
 */
export type GrantOnDelete = 'kept' | 'revoked' | 'partly-revoked' | 'not-revoked';

const GRANT: Record<GrantOnDelete, string> = {
  kept:
    'The grant was not revoked (spec.revokeGrantOnDelete is false): its refresh token still works ' +
    'in Xero, for up to 60 days unused, for anyone who can read the Secret.',
  revoked:
    'The grant was revoked in Xero (GrantRevoked): its refresh token reaches no organisation any more.',
  'partly-revoked':
    'The grant was revoked only for the organisations no other XeroConnection monitors ' +
    '(GrantRevoked): its refresh token still reaches the others, for up to 60 days unused.',
  'not-revoked':
    'The grant was not revoked (see the Warning Event): its refresh token may still work in Xero, ' +
    'for up to 60 days unused, for anyone who can read the Secret.',
};

/** The Event's note: the Secret left in place, what its refresh token can still do, how to delete it. */
export function keptTokenSecretMessage(
  namespace: string,
  secretName: string,
  grant: GrantOnDelete,
): string {
  const revokeToo =
    grant === 'revoked' ? '' : ', and disconnect the app from the organisations in Xero';
  return (
    `Secret ${namespace}/${secretName} (spec.tokenSecretRef) is left in place: the operator never ` +
    'deletes the token Secret, so that a XeroConnection created again (e.g. by a GitOps tool) can ' +
    `use it. ${GRANT[grant]} If no XeroConnection is to use it again, delete it ` +
    `(kubectl -n ${namespace} delete secret ${secretName})${revokeToo}.`
  );
}
