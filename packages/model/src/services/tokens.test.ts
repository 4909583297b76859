import { describe, expect, it } from 'vitest';
import {
  apiTokenState,
  tokenExpiryProblem,
  tokenNameProblem,
  tokenOwnerEmailProblem,
} from './tokens.js';

const at = (iso: string) => new Date(iso);
const now = at('2026-11-01T00:00:00Z');

describe('apiTokenState', () => {
  it('is revoked before expired, expired from expiresAt on, else active', () => {
    expect(apiTokenState({ revokedAt: null, expiresAt: null }, now)).toBe('active');
    expect(apiTokenState({ revokedAt: null, expiresAt: at('2026-11-02T00:00:00Z') }, now)).toBe(
      'active',
    );
    expect(apiTokenState({ revokedAt: null, expiresAt: now }, now)).toBe('expired');
    expect(apiTokenState({ revokedAt: now, expiresAt: at('2026-10-01T00:00:00Z') }, now)).toBe(
      'revoked',
    );
  });
});

describe('token input problems (what create refuses, for callers naming their own fields)', () => {
  it('names what is wrong with a name, an owner email and an expiry', () => {
    expect(tokenNameProblem('ci.okta-scim_1')).toBeUndefined();
    expect(tokenNameProblem('has space')).toBe(
      'must be 1 to 128 letters, digits, dots, dashes or underscores',
    );
    expect(tokenOwnerEmailProblem('Rita@Acme.example')).toBeUndefined();
    expect(tokenOwnerEmailProblem('rita')).toBe(
      'must be an email address of at most 320 characters',
    );
    expect(tokenExpiryProblem(at('2026-11-01T00:00:01Z'), now)).toBeUndefined();
    expect(tokenExpiryProblem(now, now)).toBe('must be a date in the future');
    expect(tokenExpiryProblem(new Date(Number.NaN), now)).toBe('must be a valid date');
  });
});
