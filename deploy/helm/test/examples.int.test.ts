import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { kubectl } from './helm.js';

const examples = fileURLToPath(new URL('../../../examples', import.meta.url));

describe('examples/', () => {
  it('are accepted by the API server as they are (CRD validation included)', () => {
    const out = kubectl(inject('kubeconfig'), ['apply', '-f', examples]);
    expect(out).toMatch(/xeroconnection.xeroaccess.dev\/acme (created|unchanged|configured)/);
    expect(out).toMatch(/xeroconnection.xeroaccess.dev\/globex (created|unchanged|configured)/);
    // Applying them again must never put a refresh token back over one the operator rotated.
    expect(out).not.toContain('acme-xero-tokens');
  });

  it('create-once/: the token Secret is accepted by `kubectl create`', () => {
    const out = kubectl(inject('kubeconfig'), [
      'create',
      '--dry-run=server',
      '-f',
      `${examples}/create-once`,
    ]);
    expect(out).toMatch(/secret\/acme-xero-tokens created \(server dry run\)/);
  });
});
