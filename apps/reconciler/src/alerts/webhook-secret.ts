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

/**
 * A webhook signing secret as signed with, from a setting or a Secret key: without the whitespace
 * around it (a Secret created with --from-file keeps the file's final newline, which would count
 * towards the minimum and be part of the key). Undefined when nothing is left.
 */
export function webhookSecretText(text: string | undefined): string | undefined {
  return text?.trim() || undefined;
}
