import type { V1Secret } from '@kubernetes/client-node';
import { withRefreshTokenSha256, XeroError } from '@xero-access/xero-client';
import { describe, expect, it } from 'vitest';
import { conflictAction, parseTokenSecret, XERO_ACCESS_TOKEN_LIFETIME_MS } from './token-secret.js';

const secret = (data: Record<string, Buffer | string>): V1Secret => ({
  metadata: { name: 'acme-xero-tokens', resourceVersion: '7' },
  data: Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
});

describe('parseTokenSecret', () => {
  it('reads a token set written as text', () => {
    const tokens = parseTokenSecret(
      'finance',
      secret({ refresh_token: 'rt-123', access_token: 'at.x.y', expires_at: '1700000000' }),
    );
    expect(tokens).toMatchObject({
      refreshToken: 'rt-123',
      accessToken: 'at.x.y',
      resourceVersion: '7',
    });
    expect(tokens.expiresAt?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  // Read as seconds, milliseconds are the year 56862: not believed at all (below).
  it('reads an all-digit expires_at above 1e11 as Unix milliseconds, below as seconds', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const expiresAt = (value: string) =>
      parseTokenSecret('finance', secret({ refresh_token: 'rt', expires_at: value }), now)
        .expiresAt;
    expect(expiresAt(String(now.getTime() + 600_000))).toEqual(new Date('2026-12-01T10:10:00Z'));
    expect(expiresAt(String(now.getTime() / 1000 + 600))).toEqual(new Date('2026-12-01T10:10:00Z'));
  });

  // Believed further ahead, the cached access token would be used past its real expiry, and a
  // suspended connection's keep-alive would never refresh: its grant lapses after 60 days unused.
  it(`believes no expires_at further ahead than an access token lasts (${XERO_ACCESS_TOKEN_LIFETIME_MS / 60_000} min): it is unknown`, () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const expiresAt = (value: string) =>
      parseTokenSecret('finance', secret({ refresh_token: 'rt', expires_at: value }), now)
        .expiresAt;
    expect(expiresAt('2026-12-01T10:29:00Z')).toEqual(new Date('2026-12-01T10:29:00Z'));
    expect(expiresAt('2026-12-01T10:30:00Z')).toEqual(new Date('2026-12-01T10:30:00Z'));
    expect(expiresAt('2026-12-01T10:30:00.001Z')).toBeNull();
    expect(expiresAt('9999-12-31T23:59:59Z')).toBeNull();
    expect(expiresAt(String(now.getTime() + 2 * 3_600_000))).toBeNull();
    expect(expiresAt(String(now.getTime() / 1000 + 2 * 3_600))).toBeNull();
  });

  // A bound that moved with each read would believe it 30 more minutes every time.
  it('still does not believe a far-future expires_at at a read 31 minutes later', () => {
    const farFuture = secret({
      refresh_token: 'rt',
      access_token: 'at.x.y',
      expires_at: '9999-12-31T23:59:59Z',
    });
    const first = new Date('2026-12-01T10:00:00Z');
    const later = new Date(first.getTime() + 31 * 60_000);
    expect(parseTokenSecret('finance', farFuture, first).expiresAt).toBeNull();
    expect(parseTokenSecret('finance', farFuture, later).expiresAt).toBeNull();
  });

  it('refuses binary junk in refresh_token as InvalidSpec naming the Secret and key, without echoing it', () => {
    const junk = Buffer.from([0x00, 0xff, 0x13, 0x80, 0x41, 0x0a, 0x42]);
    let error: unknown;
    try {
      parseTokenSecret('finance', secret({ refresh_token: junk }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(XeroError);
    expect((error as XeroError).reason).toBe('InvalidSpec');
    expect((error as XeroError).message).toBe(
      'Secret finance/acme-xero-tokens (spec.tokenSecretRef): key refresh_token is malformed (expected a refresh token: printable ASCII without spaces): pre-fill it with the refresh token as text, or consent again.',
    );
  });

  it('reads tenant_id, the organisation a pre-filled (Mage-style) token set was issued for', () => {
    const tenantId = '7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01';
    expect(
      parseTokenSecret('finance', secret({ refresh_token: 'rt', tenant_id: tenantId })).tenantId,
    ).toBe(tenantId);
    expect(
      parseTokenSecret('finance', secret({ refresh_token: 'rt', tenant_id: ' \n' })).tenantId,
    ).toBeNull();
    expect(parseTokenSecret('finance', secret({ refresh_token: 'rt' })).tenantId).toBeNull();
  });

  it('refuses a tenant_id that is not a GUID as InvalidSpec naming the Secret and key, without echoing it', () => {
    const notGuids = [
      'Demo Company (NZ)', // a name instead of the id
      'rt-looks-like-a-token.abc.def', // a token under the wrong key
      '11111111-2222-3333-4444-55555555555', // one digit short
    ];
    for (const value of notGuids) {
      let error: unknown;
      try {
        parseTokenSecret('finance', secret({ refresh_token: 'rt', tenant_id: value }));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(XeroError);
      expect((error as XeroError).reason).toBe('InvalidSpec');
      expect((error as XeroError).message).toContain(
        'Secret finance/acme-xero-tokens (spec.tokenSecretRef): key tenant_id does not hold a Xero tenant ID',
      );
      expect((error as XeroError).message).not.toContain(value);
    }
  });

  it('refuses an immutable Secret as InvalidSpec (no write-back could keep the rotated token), even with a valid access token', () => {
    const immutable = {
      ...secret({
        refresh_token: 'rt-123',
        access_token: 'at.x.y',
        expires_at: new Date(Date.now() + 20 * 60_000).toISOString(),
      }),
      immutable: true,
    };
    let error: unknown;
    try {
      parseTokenSecret('finance', immutable);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(XeroError);
    expect((error as XeroError).reason).toBe('InvalidSpec');
    expect((error as XeroError).message).toMatch(
      /^Secret finance\/acme-xero-tokens \(spec\.tokenSecretRef\): is immutable, .*its refresh token has not been used\. Recreate the Secret .*without immutable: true/,
    );
    expect((error as XeroError).message).not.toContain('rt-123');
    expect(parseTokenSecret('finance', { ...immutable, immutable: false }).refreshToken).toBe(
      'rt-123',
    );
  });

  it('tells a refresh token someone else wrote from the one the operator or a consent wrote, by the digest annotation', () => {
    const annotated = (refreshToken: string, digestOf: string): V1Secret => {
      const written = secret({ refresh_token: refreshToken });
      return {
        ...written,
        metadata: {
          ...written.metadata,
          annotations: withRefreshTokenSha256(undefined, secret({ refresh_token: digestOf }).data),
        },
      };
    };
    expect(parseTokenSecret('finance', annotated('rt-2', 'rt-2')).overwritten).toBe(false);
    expect(parseTokenSecret('finance', annotated('rt-2\n', 'rt-2')).overwritten).toBe(false);
    expect(parseTokenSecret('finance', annotated('rt-seed', 'rt-2')).overwritten).toBe(true);
    // No digest: a Secret created by hand, or written before the operator recorded one.
    expect(parseTokenSecret('finance', secret({ refresh_token: 'rt-seed' })).overwritten).toBe(
      false,
    );
  });

  it('drops a malformed access token (a cache) so the next call refreshes', () => {
    expect(
      parseTokenSecret('finance', secret({ refresh_token: 'rt', access_token: 'has spaces in it' }))
        .accessToken,
    ).toBeNull();
  });
});

describe('conflictAction (a write-back of a rotated set lost a race)', () => {
  it('writes again over the token it spent, or over a Secret without a refresh token', () => {
    expect(conflictAction('r0', 'r0', 'r1')).toBe('write');
    expect(conflictAction(null, 'r0', 'r1')).toBe('write');
  });

  it('keeps the same rotation another writer stored', () => {
    expect(conflictAction('r1', 'r0', 'r1')).toBe('already-written');
  });

  it('leaves a newer token set (a new consent) alone', () => {
    expect(conflictAction('consent-2', 'r0', 'r1')).toBe('superseded');
    expect(conflictAction('consent-2', 'r0', null)).toBe('superseded');
  });
});
