import { describe, expect, it } from 'vitest';
import {
  credentialsFromSecretRef,
  MAX_CREDENTIAL_LENGTH,
  type CredentialsSecretRef,
} from './credentials.js';
import { XeroError } from './errors.js';

const ref = (ref: Partial<CredentialsSecretRef> = {}): CredentialsSecretRef => ({
  name: 'acme-xero-app',
  ...ref,
});

/** A Secret's `data`: base64 values. */
const secret = (data: Record<string, Buffer | string>): Record<string, string> =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));

const CLIENT_ID = 'D16986B24F9802932A90106AACAAF0DE';
const CLIENT_SECRET = 'kq3-JZ0n_1yK2s7QvF8xPp0aVbL9mW4tRcE6hGd5uYiOoN2j';

function failure(run: () => unknown): XeroError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(XeroError);
    return error as XeroError;
  }
  throw new Error('expected InvalidSpec');
}

describe('credentialsFromSecretRef', () => {
  it('reads the client ID and secret, trimmed, from the default or the overridden keys', () => {
    expect(
      credentialsFromSecretRef(
        'finance',
        ref(),
        secret({ clientId: CLIENT_ID, clientSecret: `${CLIENT_SECRET}\n` }),
      ),
    ).toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    expect(
      credentialsFromSecretRef(
        'finance',
        ref({ clientIdKey: 'id', clientSecretKey: 'secret' }),
        secret({ id: CLIENT_ID, secret: CLIENT_SECRET }),
      ),
    ).toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  });

  const malformed = (key: string, label: string) =>
    `Secret finance/acme-xero-app (spec.credentialsSecretRef): key ${key} is malformed (expected the ${label} of a Xero app: printable ASCII without spaces, at most ${MAX_CREDENTIAL_LENGTH} characters).`;

  it('refuses binary junk as InvalidSpec naming the Secret and key, saying nothing of the value', () => {
    const junk = Buffer.from([0x00, 0xff, 0x13, 0x80, 0x41, 0x0a, 0x42, 0x43]);
    const error = failure(() =>
      credentialsFromSecretRef(
        'finance',
        ref(),
        secret({ clientId: CLIENT_ID, clientSecret: junk }),
      ),
    );
    expect(error.reason).toBe('InvalidSpec');
    expect(error.message).toBe(malformed('clientSecret', 'client secret'));
  });

  it('refuses a value with spaces inside (a bad paste) naming the overridden key', () => {
    const error = failure(() =>
      credentialsFromSecretRef(
        'finance',
        ref({ clientIdKey: 'xero-id' }),
        secret({ 'xero-id': `${CLIENT_ID} ${CLIENT_ID}`, clientSecret: CLIENT_SECRET }),
      ),
    );
    expect(error.message).toBe(malformed('xero-id', 'client ID'));
  });

  it('refuses a huge value without saying how long it is or what it holds', () => {
    const length = MAX_CREDENTIAL_LENGTH + 337;
    const huge = 'A'.repeat(length);
    const error = failure(() =>
      credentialsFromSecretRef(
        'finance',
        ref(),
        secret({ clientId: CLIENT_ID, clientSecret: huge }),
      ),
    );
    expect(error.reason).toBe('InvalidSpec');
    expect(error.message).toBe(malformed('clientSecret', 'client secret'));
    expect(error.message).not.toContain(String(length));
    expect(error.message).not.toMatch(/holds/);
  });

  it('says the same of a value of any other Secret the connection points at, naming none of its keys', () => {
    // Someone who may edit XeroConnections but not read Secrets points the reference at another
    // Secret: the answers are the same whatever its values are, and its other keys go unnamed.
    const other = secret({ username: 'admin', password: 'correct horse battery staple' });
    const wrongKey = failure(() => credentialsFromSecretRef('finance', ref(), other));
    expect(wrongKey.message).toBe(
      'Secret finance/acme-xero-app (spec.credentialsSecretRef): key clientId is missing.',
    );
    const spaced = failure(() =>
      credentialsFromSecretRef(
        'finance',
        ref({ clientIdKey: 'username', clientSecretKey: 'password' }),
        other,
      ),
    );
    expect(spaced.message).toBe(malformed('password', 'client secret'));
    for (const message of [wrongKey.message, spaced.message]) {
      expect(message).not.toMatch(/\b(5|28)\b/);
      expect(message).not.toContain('admin');
      expect(message).not.toContain('horse');
    }
    expect(wrongKey.message).not.toContain('username');
    expect(wrongKey.message).not.toContain('password');
  });

  it('accepts a value of exactly the longest length', () => {
    const longest = 'B'.repeat(MAX_CREDENTIAL_LENGTH);
    expect(
      credentialsFromSecretRef(
        'finance',
        ref(),
        secret({ clientId: CLIENT_ID, clientSecret: longest }),
      ).clientSecret,
    ).toBe(longest);
  });

  it('still names a missing or empty key (from credentialsFromSecret)', () => {
    expect(
      failure(() => credentialsFromSecretRef('finance', ref(), secret({ clientId: CLIENT_ID })))
        .message,
    ).toContain('key clientSecret is missing');
    expect(
      failure(() =>
        credentialsFromSecretRef(
          'finance',
          ref(),
          secret({ clientId: '', clientSecret: CLIENT_SECRET }),
        ),
      ).message,
    ).toContain('key clientId is empty');
  });
});
