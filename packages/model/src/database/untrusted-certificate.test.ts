import { describe, expect, it } from 'vitest';
import { untrustedCertificateError } from './untrusted-certificate.js';

const context = (params: string) => ({
  app: 'admin API',
  database: 'PostgreSQL at db.internal:5432',
  url: `postgres://xao:Pa55-w0rd@db.internal:5432/xao?sslmode=verify-full${params}`,
});

/** A TLS failure as Node.js raises it. */
function tlsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('untrustedCertificateError', () => {
  it("names DATABASE_URL's sslrootcert and the reason, without Node's --use-system-ca hint", () => {
    const cause = tlsError(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca',
    );
    const error = untrustedCertificateError(cause, context('&sslrootcert=/etc/ca/ca.crt'));
    expect(error?.message).toBe(
      'The admin API does not trust the TLS certificate of PostgreSQL at db.internal:5432 (unable to verify the first certificate): it must be signed by the CA certificate in DATABASE_URL\'s sslrootcert ("/etc/ca/ca.crt") and name the host.',
    );
    expect(error?.cause).toBe(cause);
  });

  it('without sslrootcert, points to it for a private CA', () => {
    const error = untrustedCertificateError(
      tlsError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
      context(''),
    );
    expect(error?.message).toContain('(self-signed certificate in certificate chain)');
    expect(error?.message).toContain(
      "a CA Node.js trusts (for a private CA, name its certificate with DATABASE_URL's sslrootcert)",
    );
    expect(error?.message).not.toContain('Pa55-w0rd');
  });

  it('finds the failure in a cause, and leaves every other error alone', () => {
    const wrapped = new Error('connect failed', {
      cause: tlsError(
        'ERR_TLS_CERT_ALTNAME_INVALID',
        "Hostname/IP does not match certificate's altnames",
      ),
    });
    expect(untrustedCertificateError(wrapped, context(''))?.message).toContain('altnames');
    for (const other of [
      tlsError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:5432'),
      tlsError('28P01', 'password authentication failed for user "xao"'),
      new Error('no code'),
      'a string',
      null,
    ])
      expect(untrustedCertificateError(other, context(''))).toBeUndefined();
  });
});
