import { describe, expect, it } from 'vitest';
import { credentialsFromSecret, MAX_CREDENTIAL_LENGTH } from './credentials.js';
import { XeroError, xeroErrors } from './errors.js';

describe('troubleshooting errors', () => {
  it('say what design.md tells the user', () => {
    expect(xeroErrors.invalidCredentials('token refresh').message).toContain(
      'verify Client ID and Client Secret',
    );
    expect(xeroErrors.reauthorizationRequired('token refresh').message).toContain(
      'reconnect (authorize again)',
    );
    expect(xeroErrors.unauthorized('GET Users').message).toContain(
      're-authenticate the integration',
    );
    const forbidden = xeroErrors.insufficientPermissions('GET Users', ['accounting.settings.read']);
    expect(forbidden.message).toContain('missing scope accounting.settings.read');
    expect(forbidden.message).toContain('admin access');
    expect(xeroErrors.tenantDisconnected('GET Users', 't-1').message).toContain('was disconnected');
    const retryAt = new Date('2026-11-23T10:00:00Z');
    const limited = xeroErrors.rateLimited('GET Users', retryAt, 'minute');
    expect(limited.message).toContain('retrying automatically at 2026-11-23T10:00:00.000Z');
    expect(limited.retryAt).toEqual(retryAt);
    expect(limited.transient).toBe(true);
  });

  it('serialises without a stack or cause', () => {
    const json = JSON.stringify(xeroErrors.unavailable('GET Users', 'ECONNRESET'));
    expect(JSON.parse(json)).toMatchObject({ reason: 'Unavailable', operation: 'GET Users' });
  });
});

describe('credentialsFromSecret', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('reads base64 Secret data', () => {
    expect(
      credentialsFromSecret('ns/xero', { clientId: b64('id'), clientSecret: b64('s3cret') }),
    ).toEqual({
      clientId: 'id',
      clientSecret: 's3cret',
    });
  });

  it('names the Secret and key that are missing or empty, never the value', () => {
    expect(() => credentialsFromSecret('ns/xero', { clientId: b64('id') })).toThrow(
      'Secret ns/xero: key clientSecret is missing.',
    );
    try {
      credentialsFromSecret(
        'ns/xero',
        { id: b64('the-id'), secret: b64('  ') },
        { clientId: 'id', clientSecret: 'secret' },
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(XeroError);
      expect((error as XeroError).reason).toBe('InvalidSpec');
      expect((error as XeroError).message).toBe('Secret ns/xero: key secret is empty.');
    }
  });

  it('refuses a malformed value saying only what was expected: never its length nor what it looks like', () => {
    const values = [
      'correct horse battery staple', // spaces: a password, not a client secret
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
      'x'.repeat(MAX_CREDENTIAL_LENGTH + 1),
      '\u00e9t\u00e9-secret', // not ASCII
    ];
    for (const value of values) {
      let error: unknown;
      try {
        credentialsFromSecret(
          'ns/other',
          { username: b64('admin'), password: b64(value) },
          { clientId: 'username', clientSecret: 'password' },
        );
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(XeroError);
      expect((error as XeroError).reason).toBe('InvalidSpec');
      expect((error as XeroError).message).toBe(
        `Secret ns/other: key password is malformed (expected the client secret of a Xero app: printable ASCII without spaces, at most ${MAX_CREDENTIAL_LENGTH} characters).`,
      );
      expect((error as XeroError).message).not.toMatch(new RegExp(`\\b${value.length}\\b`));
    }
  });

  it('accepts a value of exactly the longest length', () => {
    const longest = 'B'.repeat(MAX_CREDENTIAL_LENGTH);
    expect(
      credentialsFromSecret('ns/xero', { clientId: b64('id'), clientSecret: b64(longest) })
        .clientSecret,
    ).toBe(longest);
  });
});
