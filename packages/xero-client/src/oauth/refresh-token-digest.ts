import { createHash } from 'node:crypto';
import { TOKEN_SECRET_KEYS } from './token-secret-keys.js';

/**
 * On the token Secret: the SHA-256 (hex) of the refresh token that the last token set written by
 * the reconciler (a rotation) or the admin API (a consent) holds. A refresh token that no longer
 * matches it was put there by something else, such as `kubectl apply` of a manifest holding the
 * token or a GitOps tool self-healing the Secret. A hash of a random token reveals nothing of it.
 */
export const REFRESH_TOKEN_SHA256_ANNOTATION = 'xeroaccess.dev/refresh-token-sha256';

/** The digest the annotation holds, of the token as the reconciler reads it (surrounding whitespace trimmed). */
export function refreshTokenSha256(refreshToken: string): string {
  return createHash('sha256').update(refreshToken.trim(), 'utf8').digest('hex');
}

/**
 * `annotations` with REFRESH_TOKEN_SHA256_ANNOTATION naming the refresh token in `data` (the token
 * Secret's base64 `data` as it is about to be written), or without it when `data` holds none.
 * Every writer of a token set calls it on the Secret it writes, so that the reconciler can tell
 * their writes from anyone else's.
 */
export function withRefreshTokenSha256(
  annotations: Readonly<Record<string, string>> | undefined,
  data: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const { [REFRESH_TOKEN_SHA256_ANNOTATION]: _previous, ...others } = annotations ?? {};
  const encoded = data?.[TOKEN_SECRET_KEYS.refreshToken];
  const refreshToken = encoded ? Buffer.from(encoded, 'base64').toString('utf8').trim() : '';
  return refreshToken === ''
    ? others
    : { ...others, [REFRESH_TOKEN_SHA256_ANNOTATION]: refreshTokenSha256(refreshToken) };
}
