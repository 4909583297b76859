/** The shortest signing secret accepted: the HMAC-SHA256 key's own length. */
export const WEBHOOK_SECRET_MIN_BYTES = 32;

/**
 * Why a webhook signing secret is refused, or undefined. Names no part of it: the caller adds the
 * setting or key it came from.
 */
export function webhookSecretProblem(secret: string): string | undefined {
  return Buffer.byteLength(secret, 'utf8') < WEBHOOK_SECRET_MIN_BYTES
    ? `must be at least ${WEBHOOK_SECRET_MIN_BYTES} bytes (e.g. openssl rand -hex 32)`
    : undefined;
}
