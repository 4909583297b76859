import { XeroError } from '@xero-access/xero-client';
import { describeTokenSecret } from './token-secret.js';

/**
 * The Warning Event's reason when the token Secret's refresh token is not the one the operator (a
 * rotation) or the admin API (a consent) last wrote, just before it is spent. Both writers record
 * its SHA-256 in an annotation; a writer that merges into the Secret (kubectl apply, Argo CD, Flux)
 * keeps that annotation while it puts its own, older token back, and this is how it shows.
 */
export const TOKEN_SECRET_OVERWRITTEN = 'TokenSecretOverwritten';

const LIKELY_CAUSES =
  'kubectl apply of a manifest that holds the token, or a GitOps tool such as Argo CD or Flux self-healing the Secret';

const FIX =
  'create the token Secret once, outside Git, or have the tool ignore its data (chart README, "The token Secret and GitOps")';

/** The Warning Event's note: names the Secret and the likely causes, never a token. */
export function overwrittenWarning(namespace: string, name: string): string {
  return (
    `${describeTokenSecret(namespace, name)} holds a refresh token the operator did not write: the rotated one it wrote ` +
    `was overwritten by something other than the operator, most likely with an older one (${LIKELY_CAUSES}). ` +
    'The operator uses it now; Xero refuses a spent token once its grace period has passed, and then only a new consent helps. ' +
    `To keep this from happening again, ${FIX}. (A new token put there on purpose needs nothing.)`
  );
}

/** ReauthorizationRequired for a refused token that someone else wrote, saying so rather than only "reconnect". */
export function overwrittenTokenRefused(
  refused: XeroError,
  namespace: string,
  name: string,
): XeroError {
  const code = refused.code ?? 'invalid_grant';
  return new XeroError(
    refused.reason,
    `Xero refused the refresh token of ${describeTokenSecret(namespace, name)} (${code}) during ${refused.operation ?? 'token refresh'}: ` +
      'the Secret was overwritten by something other than the operator, with an older, already spent token ' +
      `in place of the rotated one the operator wrote (most likely ${LIKELY_CAUSES}). ` +
      `To keep this from happening again, ${FIX}; then reconnect (authorize again) to issue a new one.`,
    { operation: refused.operation, code, statusCode: refused.statusCode },
  );
}
