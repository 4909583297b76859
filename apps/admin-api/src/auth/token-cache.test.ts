import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from './token-cache.js';

describe('VerifiedTokenCache', () => {
  it('remembers for the TTL, never past the token expiry, and clears', () => {
    const cache = new VerifiedTokenCache<string>(1000);
    cache.set('t', 'admin', null, 0);
    expect(cache.get('t', 999)).toBe('admin');
    expect(cache.get('t', 1000)).toBeUndefined();
    cache.set('t', 'admin', new Date(100), 0);
    expect(cache.get('t', 150)).toBeUndefined();
    cache.set('t', 'admin', null, 0);
    cache.clear();
    expect(cache.get('t', 1)).toBeUndefined();
  });
});
