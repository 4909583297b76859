import { describe, expect, it } from 'vitest';
import { sandboxExamples } from './examples.js';
import type { SandboxInfo } from './sandbox-process.js';

const sandbox: SandboxInfo = {
  url: 'http://127.0.0.1:1',
  identityUrl: 'http://127.0.0.1:1/identity',
  loginUrl: 'http://127.0.0.1:1/login',
  apiUrl: 'http://127.0.0.1:1/api',
  adminUrl: 'http://127.0.0.1:1/_sandbox',
  apps: [
    { name: 'std', clientId: 'STD-ID', clientSecret: 'STD-SECRET', kind: 'standard' },
    {
      name: 'cc',
      clientId: 'CC-ID',
      clientSecret: 'CC-SECRET',
      kind: 'custom-connection',
      tenantId: 't2',
    },
  ],
  tenants: [],
  grants: [{ grantId: 'g', clientId: 'STD-ID', tenantIds: ['t1'], refreshToken: 'RT-1' }],
};

describe('examples for the sandbox', () => {
  const { apply, createOnce } = sandboxExamples(sandbox);
  const secret = (name: string) =>
    [...apply, ...createOnce].find((o) => o.kind === 'Secret' && o.metadata?.name === name) as
      { stringData: Record<string, string> } | undefined;

  it('fills each XeroConnection’s Secrets with the credentials of the app its auth flow needs', () => {
    expect(secret('acme-xero-app')?.stringData).toEqual({
      clientId: 'STD-ID',
      clientSecret: 'STD-SECRET',
    });
    expect(secret('acme-xero-tokens')?.stringData).toEqual({ refresh_token: 'RT-1' });
    expect(secret('globex-xero-custom-connection')?.stringData).toEqual({
      clientId: 'CC-ID',
      clientSecret: 'CC-SECRET',
    });
  });

  it('keeps token Secrets out of what `kubectl apply -f examples/` applies: they are created once', () => {
    const tokenSecrets = apply
      .filter((o) => o.kind === 'XeroConnection')
      .map((o) => (o as unknown as { spec: { tokenSecretRef?: { name: string } } }).spec)
      .flatMap((spec) => (spec.tokenSecretRef ? [spec.tokenSecretRef.name] : []));
    expect(tokenSecrets).toEqual(['acme-xero-tokens']);
    expect(apply.filter((o) => o.kind === 'Secret').map((o) => o.metadata?.name)).not.toContain(
      'acme-xero-tokens',
    );
    expect(createOnce.map((o) => `${o.kind} ${o.metadata?.name}`)).toEqual([
      'Secret acme-xero-tokens',
    ]);
  });

  it('keeps the XeroConnections and the namespace as the user wrote them', () => {
    expect(apply.filter((o) => o.kind === 'XeroConnection').map((o) => o.metadata?.name)).toEqual([
      'acme',
      'globex',
    ]);
    expect(apply[0]?.kind).toBe('Namespace');
    expect(JSON.stringify([...apply, ...createOnce])).not.toContain('REPLACE-WITH');
  });
});
