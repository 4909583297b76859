/**
 * Node.js codes of a server certificate that failed verification: OpenSSL's verify errors, and
 * Node's own host name check.
 */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface CertificateContext {
  /** The app, as a person names it: 'reconciler', 'admin API'. */
  app: string;
  /** From describeDatabase: where the database is, without credentials. */
  database: string;
  /** The database URL, read for its sslrootcert only. */
  url: string;
  /** The setting the URL came from (default DATABASE_URL, the apps'). */
  urlSetting?: string;
}

/**
 * When `error` (or its cause) is PostgreSQL's certificate failing verification: an error saying
 * so, with the TLS reason and what the certificate must chain to (the URL's sslrootcert when
 * set), `error` as its cause. Undefined for any other error. Never the URL or its password.
 */
export function untrustedCertificateError(
  error: unknown,
  context: CertificateContext,
): Error | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const { code, message, cause } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && CERTIFICATE_CODES.has(code)) {
      // Node.js appends "; if the root CA is installed locally, try running Node.js with
      // --use-system-ca": beside sslrootcert, that points the wrong way.
      const reason = typeof message === 'string' ? message.split(';')[0] : code;
      const rootCert = safeRootCert(context.url);
      const setting = context.urlSetting ?? 'DATABASE_URL';
      const trusted = rootCert
        ? `the CA certificate in ${setting}'s sslrootcert (${rootCert})`
        : `a CA Node.js trusts (for a private CA, name its certificate with ${setting}'s sslrootcert)`;
      return new Error(
        `The ${context.app} does not trust the TLS certificate of ${context.database} (${reason}): it must be signed by ${trusted} and name the host.`,
        { cause: error },
      );
    }
    current = cause;
  }
  return undefined;
}

function safeRootCert(url: string): string | null {
  try {
    const path = new URL(url).searchParams.get('sslrootcert');
    return path === null ? null : JSON.stringify(path);
  } catch {
    return null;
  }
}
