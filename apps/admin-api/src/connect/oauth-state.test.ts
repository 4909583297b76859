import { describe, expect, it } from 'vitest';
import { OAuthStateSigner } from './oauth-state.js';

describe('OAuthStateSigner', () => {
  const signer = new OAuthStateSigner(Buffer.alloc(32, 7));
  const payload = {
    nonce: 'n1',
    namespace: 'finance',
    name: 'acme',
    exp: Math.floor(Date.now() / 1000) + 60,
  };

  it('round-trips a payload it signed', () => {
    expect(signer.verify(signer.sign(payload))).toEqual({ ok: true, payload });
  });

  it('refuses a tampered payload, another key, expiry and garbage', () => {
    const state = signer.sign(payload);
    const [, mac] = state.split('.');
    const forged = `${Buffer.from(JSON.stringify({ ...payload, name: 'other' })).toString('base64url')}.${mac}`;
    expect(signer.verify(forged)).toEqual({ ok: false, problem: 'has a bad signature' });
    expect(new OAuthStateSigner(Buffer.alloc(32, 8)).verify(state).ok).toBe(false);
    expect(signer.verify(signer.sign({ ...payload, exp: 1 }))).toMatchObject({
      ok: false,
      problem: /expired/,
    });
    expect(signer.verify('nonsense').ok).toBe(false);
    expect(signer.verify('a.b.c').ok).toBe(false);
  });
});
