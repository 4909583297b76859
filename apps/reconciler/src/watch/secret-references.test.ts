import type { XeroConnection } from '@xero-access/crd';
import { describe, expect, it } from 'vitest';
import { referencedSecrets, SecretReferences } from './secret-references.js';

const connection = (name: string, credentials: string, tokens?: string): XeroConnection => ({
  metadata: { name, namespace: 'finance' },
  spec: {
    credentialsSecretRef: { name: credentials },
    ...(tokens ? { tokenSecretRef: { name: tokens } } : {}),
  },
});

describe('referencedSecrets', () => {
  it('lists the credentials and token Secrets in the connection namespace, once each', () => {
    expect(referencedSecrets(connection('acme', 'acme-app', 'acme-tokens'))).toEqual([
      'finance/acme-app',
      'finance/acme-tokens',
    ]);
    expect(referencedSecrets(connection('cc', 'shared'))).toEqual(['finance/shared']);
    expect(referencedSecrets(connection('odd', 'same', 'same'))).toEqual(['finance/same']);
  });
});

describe('SecretReferences', () => {
  it('finds every connection that uses a Secret, shared Secrets included', () => {
    const index = new SecretReferences();
    index.track('ADDED', connection('acme', 'xero-app', 'acme-tokens'));
    index.track('ADDED', connection('globex', 'xero-app', 'globex-tokens'));
    expect(index.connectionsUsing('finance', 'xero-app').sort()).toEqual([
      'finance/acme',
      'finance/globex',
    ]);
    expect(index.connectionsUsing('finance', 'acme-tokens')).toEqual(['finance/acme']);
    expect(index.connectionsUsing('payroll', 'xero-app')).toEqual([]);
  });

  it('follows a changed reference and forgets a deleted connection', () => {
    const index = new SecretReferences();
    index.track('ADDED', connection('acme', 'old-app', 'acme-tokens'));
    index.track('MODIFIED', connection('acme', 'new-app', 'acme-tokens'));
    expect(index.connectionsUsing('finance', 'old-app')).toEqual([]);
    expect(index.connectionsUsing('finance', 'new-app')).toEqual(['finance/acme']);
    index.track('DELETED', connection('acme', 'new-app', 'acme-tokens'));
    expect(index.connectionsUsing('finance', 'new-app')).toEqual([]);
    expect(index.connectionsUsing('finance', 'acme-tokens')).toEqual([]);
  });
});
