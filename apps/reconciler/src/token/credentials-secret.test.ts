import type { V1Secret } from '@kubernetes/client-node';
import type { XeroConnectionSpec } from '@xero-access/crd';
import { XeroError } from '@xero-access/xero-client';
import { describe, expect, it } from 'vitest';
import { MAX_CREDENTIAL_LENGTH, parseAppCredentials } from './credentials-secret.js';

const spec = (ref: Partial<XeroConnectionSpec['credentialsSecretRef']> = {}): XeroConnectionSpec =>
  ({ credentialsSecretRef: { name: 'acme-xero-app', ...ref } }) as XeroConnectionSpec;

const secret = (data: Record<string, Buffer | string>): V1Secret => ({
  metadata: { name: 'acme-xero-app' },
  data: Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
});

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

describe('parseAppCredentials', () => {
  it('reads the client ID and secret, trimmed, from the default or the overridden keys', () => {
    expect(
      parseAppCredentials(
        'finance',
        spec(),
        secret({ clientId: CLIENT_ID, clientSecret: `${CLIENT_SECRET}\n` }),
      ),
    ).toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    expect(
      parseAppCredentials(
        'finance',
        spec({ clientIdKey: 'id', clientSecretKey: 'secret' }),
        secret({ id: CLIENT_ID, secret: CLIENT_SECRET }),
      ),
    ).toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  });

  it('refuses binary junk as InvalidSpec naming the Secret and key, without the value', () => {
    const junk = Buffer.from([0x00, 0xff, 0x13, 0x80, 0x41, 0x0a, 0x42, 0x43]);
    const error = failure(() =>
      parseAppCredentials('finance', spec(), secret({ clientId: CLIENT_ID, clientSecret: junk })),
    );
    expect(error.reason).toBe('InvalidSpec');
    expect(error.message).toContain('finance/acme-xero-app');
    expect(error.message).toContain('key clientSecret');
    expect(error.message).not.toContain('ABC');
    expect(error.message).not.toContain(junk.toString('base64'));
  });

  it('refuses a value with spaces inside (a bad paste) naming the overridden key', () => {
    const error = failure(() =>
      parseAppCredentials(
        'finance',
        spec({ clientIdKey: 'xero-id' }),
        secret({ 'xero-id': `${CLIENT_ID} ${CLIENT_ID}`, clientSecret: CLIENT_SECRET }),
      ),
    );
    expect(error.message).toContain('key xero-id does not hold a client ID');
    expect(error.message).not.toContain(CLIENT_ID);
  });

  it('refuses a huge value, saying how long it is but not what it holds', () => {
    const huge = 'A'.repeat(MAX_CREDENTIAL_LENGTH + 1);
    const error = failure(() =>
      parseAppCredentials('finance', spec(), secret({ clientId: CLIENT_ID, clientSecret: huge })),
    );
    expect(error.reason).toBe('InvalidSpec');
    expect(error.message).toContain(
      `key clientSecret holds ${MAX_CREDENTIAL_LENGTH + 1} characters`,
    );
    expect(error.message).not.toContain('AAAA');
  });

  it('accepts a value of exactly the longest length', () => {
    const longest = 'B'.repeat(MAX_CREDENTIAL_LENGTH);
    expect(
      parseAppCredentials('finance', spec(), secret({ clientId: CLIENT_ID, clientSecret: longest }))
        .clientSecret,
    ).toBe(longest);
  });

  it('still names a missing or empty key (from credentialsFromSecret)', () => {
    expect(
      failure(() => parseAppCredentials('finance', spec(), secret({ clientId: CLIENT_ID })))
        .message,
    ).toContain('key clientSecret is missing');
    expect(
      failure(() =>
        parseAppCredentials(
          'finance',
          spec(),
          secret({ clientId: '', clientSecret: CLIENT_SECRET }),
        ),
      ).message,
    ).toContain('key clientId is empty');
  });
});
