import { describe, expect, it } from 'vitest';
import { keptTokenSecretMessage, type GrantOnDelete } from './kept-token-secret.js';

describe('keptTokenSecretMessage', () => {
  const note = (grant: GrantOnDelete) => keptTokenSecretMessage('finance', 'acme-tokens', grant);

  it('names the Secret and the command that deletes it, whatever became of the grant', () => {
    for (const grant of ['kept', 'revoked', 'partly-revoked', 'not-revoked'] as const) {
      expect(note(grant)).toContain(
        'Secret finance/acme-tokens (spec.tokenSecretRef) is left in place',
      );
      expect(note(grant)).toContain('(kubectl -n finance delete secret acme-tokens)');
      expect(note(grant).length).toBeLessThanOrEqual(1024);
    }
  });

  it('says whether the refresh token still works, and to disconnect the app unless revoked', () => {
    expect(note('kept')).toContain('spec.revokeGrantOnDelete is false');
    expect(note('revoked')).toContain('reaches no organisation any more');
    expect(note('partly-revoked')).toContain('still reaches the others');
    expect(note('not-revoked')).toContain('see the Warning Event');
    expect(note('revoked')).not.toContain('disconnect the app');
    for (const grant of ['kept', 'partly-revoked', 'not-revoked'] as const)
      expect(note(grant)).toMatch(/disconnect the app from the organisations in Xero\.$/);
  });
});
