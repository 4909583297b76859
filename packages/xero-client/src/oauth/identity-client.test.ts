import { describe, expect, it } from 'vitest';
import { Transport } from '../http/transport.js';
import { XeroIdentityClient } from './identity-client.js';
import { pkceChallenge } from './pkce.js';

describe('authorize URL', () => {
  const client = new XeroIdentityClient(
    { clientId: 'app-1', clientSecret: 'never-in-a-url' },
    new Transport(),
    { loginUrl: 'http://127.0.0.1:9/login/' },
  );

  it('carries state and a PKCE S256 challenge for the verifier it returns', () => {
    const start = client.authorizeUrl({ redirectUri: 'https://op.example/callback' });
    const url = new URL(start.url);
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:9/login/identity/connect/authorize');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('client_id')).toBe('app-1');
    expect(url.searchParams.get('scope')).toBe(
      'openid profile email offline_access accounting.settings.read',
    );
    expect(url.searchParams.get('state')).toBe(start.state);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toBe(pkceChallenge(start.codeVerifier));
    expect(start.url).not.toContain('never-in-a-url');
    expect(start.url).not.toContain(start.codeVerifier);
  });

  it('computes the challenge as BASE64URL(SHA-256(verifier)) without padding', async () => {
    const verifier = 'dBjftJeZ4CVP-mJ92K9Jas8Sg4B9nQV0zoPm3C-kAhS';
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)),
    );
    const expected = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect(pkceChallenge(verifier)).toBe(expected);
    expect(expected).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses empty credentials with InvalidSpec', () => {
    expect(
      () => new XeroIdentityClient({ clientId: 'x', clientSecret: '' }, new Transport()),
    ).toThrow(/clientSecret is empty/);
  });
});
