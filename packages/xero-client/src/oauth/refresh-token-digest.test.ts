import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  REFRESH_TOKEN_SHA256_ANNOTATION,
  refreshTokenSha256,
  withRefreshTokenSha256,
} from './refresh-token-digest.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('withRefreshTokenSha256', () => {
  it('names the refresh token in the data by its SHA-256, never the token, and keeps other annotations', () => {
    const annotations = withRefreshTokenSha256(
      { 'xeroaccess.dev/refresh-token-rotated-at': '2025-01-01T00:00:00.000Z' },
      { refresh_token: b64('rt-secret-1'), access_token: b64('at') },
    );
    expect(annotations).toEqual({
      'xeroaccess.dev/refresh-token-rotated-at': '2025-01-01T00:00:00.000Z',
      [REFRESH_TOKEN_SHA256_ANNOTATION]: sha256('rt-secret-1'),
    });
    expect(JSON.stringify(annotations)).not.toContain('rt-secret-1');
  });

  it('replaces the digest of an earlier token set', () => {
    const earlier = withRefreshTokenSha256(undefined, { refresh_token: b64('rt-1') });
    expect(withRefreshTokenSha256(earlier, { refresh_token: b64('rt-2') })).toEqual({
      [REFRESH_TOKEN_SHA256_ANNOTATION]: sha256('rt-2'),
    });
  });

  it('drops the digest when the data holds no refresh token', () => {
    const earlier = { [REFRESH_TOKEN_SHA256_ANNOTATION]: sha256('rt-1'), other: 'kept' };
    expect(withRefreshTokenSha256(earlier, { access_token: b64('at') })).toEqual({
      other: 'kept',
    });
    expect(withRefreshTokenSha256(earlier, { refresh_token: b64(' \n') })).toEqual({
      other: 'kept',
    });
  });

  it('digests the token as the reconciler reads it, surrounding whitespace trimmed', () => {
    expect(withRefreshTokenSha256(undefined, { refresh_token: b64('rt-1\n') })).toEqual({
      [REFRESH_TOKEN_SHA256_ANNOTATION]: refreshTokenSha256('rt-1'),
    });
    expect(refreshTokenSha256(' rt-1 ')).toBe(sha256('rt-1'));
  });
});
