import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import {
  XERO_CONNECTION_API_VERSION,
  XERO_CONNECTION_GROUP,
  XERO_CONNECTION_KIND,
  XERO_CONNECTION_PLURAL,
  XERO_CONNECTION_VERSION,
} from './constants.js';

/** What the API server answers to a XeroConnection with this syncInterval (dry run: nothing stored). */
async function admit(
  syncInterval: string,
): Promise<{ accepted: true } | { accepted: false; message: string }> {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  const body = {
    apiVersion: XERO_CONNECTION_API_VERSION,
    kind: XERO_CONNECTION_KIND,
    metadata: { name: 'sync-interval' },
    spec: { authFlow: 'ClientCredentials', credentialsSecretRef: { name: 'xero' }, syncInterval },
  };
  try {
    await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: XERO_CONNECTION_GROUP,
      version: XERO_CONNECTION_VERSION,
      plural: XERO_CONNECTION_PLURAL,
      namespace: 'default',
      body,
      dryRun: 'All',
    });
    return { accepted: true };
  } catch (error) {
    const e = error as { code?: number; body?: unknown };
    if (e.code !== 422) throw error;
    const text = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
    return { accepted: false, message: (JSON.parse(text) as { message: string }).message };
  }
}

describe('spec.syncInterval (CRD validation in the API server)', () => {
  it.each([
    '1m',
    '60s',
    '60000ms',
    '0.5m30s',
    '1h',
    '2562047h',
    '153722820m',
    `${'0'.repeat(30)}1h`,
  ])('accepts %s', async (value) => {
    expect(await admit(value)).toEqual({ accepted: true });
  });

  it.each(['2562048h', '2562047h1m', '153722821m', '9'.repeat(31) + 'h', '99999999999999999999ms'])(
    'refuses %s naming the field and the maximum (not a type conversion error)',
    async (value) => {
      const outcome = await admit(value);
      expect(outcome.accepted).toBe(false);
      const message = outcome.accepted ? '' : outcome.message;
      expect(message).toContain('spec.syncInterval');
      expect(message).toContain('syncInterval must be at most 2562047h');
      expect(message).not.toMatch(/conversion|google\.protobuf/);
    },
  );

  it.each(['59s', '0.5m', '59999ms', '0h'])('refuses %s as under the minimum', async (value) => {
    const outcome = await admit(value);
    expect(outcome.accepted).toBe(false);
    const message = outcome.accepted ? '' : outcome.message;
    expect(message).toContain('spec.syncInterval');
    expect(message).toContain('syncInterval must be at least 1m');
    expect(message).not.toContain('at most');
  });
});
