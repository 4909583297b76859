import { describe, expect, it } from 'vitest';
import { startSandbox } from './server.js';
import { createGrant } from './state/grants.js';
import { SandboxStore } from './state/store.js';
import { apiGet, firstTokenSet } from './test/http.js';

describe('startSandbox', () => {
  it('mounts each Xero host under a configurable path on the one port', async () => {
    const sb = await startSandbox({
      paths: {
        identity: '/xero/identity',
        login: '/xero/login',
        api: '/xero/api',
        admin: '/admin',
      },
    });
    try {
      expect(sb.identityUrl).toBe(`${sb.url}/xero/identity`);
      expect(sb.adminUrl).toBe(`${sb.url}/admin`);
      const discovery = (await (
        await fetch(`${sb.identityUrl}/.well-known/openid-configuration`)
      ).json()) as {
        authorization_endpoint: string;
      };
      expect(discovery.authorization_endpoint).toBe(
        `${sb.url}/xero/login/identity/connect/authorize`,
      );
      const set = await firstTokenSet(sb);
      expect((await apiGet(sb, '/connections', set.access_token)).status).toBe(200);
      sb.setFaults({ serverErrors: { count: 1 }, target: 'api' });
      expect((await apiGet(sb, '/connections', set.access_token)).status).toBe(503);
      expect((await fetch(`${sb.url}/api/connections`)).status).toBe(404);
    } finally {
      await sb.close();
    }
  });

  it('refuses bad options with the option named', async () => {
    await expect(startSandbox({ paths: { api: 'api/' } })).rejects.toThrow(/paths.api/);
    await expect(startSandbox({ paths: { api: '/same', login: '/same' } })).rejects.toThrow(
      /paths: every path must be different/,
    );
    await expect(startSandbox({ limits: { tenantPerMinute: 0 } })).rejects.toThrow(
      /limits.tenantPerMinute/,
    );
    await expect(startSandbox({ grantGraceMs: -1 })).rejects.toThrow(/grantGraceMs/);
  });
});

describe('SandboxStore.pruneUnusable', () => {
  it('forgets expired access tokens and refresh tokens spent before the grace window, keeps the rest', () => {
    const store = new SandboxStore();
    store.accessTokens.set('old', { grantId: 'g', clientId: 'c', scopes: [], expiresAt: 100 });
    store.accessTokens.set('live', { grantId: 'g', clientId: 'c', scopes: [], expiresAt: 10_000 });
    store.refreshTokens.set('spent', {
      token: 'spent',
      grantId: 'g',
      clientId: 'c',
      issuedAt: 0,
      expiresAt: 99_999,
      rotatedAt: 100,
    });
    store.refreshTokens.set('grace', {
      token: 'grace',
      grantId: 'g',
      clientId: 'c',
      issuedAt: 0,
      expiresAt: 99_999,
      rotatedAt: 900,
    });
    store.refreshTokens.set('active', {
      token: 'active',
      grantId: 'g',
      clientId: 'c',
      issuedAt: 0,
      expiresAt: 99_999,
    });
    store.pruneUnusable(1000, 500);
    expect([...store.accessTokens.keys()]).toEqual(['live']);
    expect([...store.refreshTokens.keys()].sort()).toEqual(['active', 'grace']);
  });
});

describe('SandboxStore.connectionForTenant', () => {
  it('finds connections through its index and notices deletions', () => {
    const store = new SandboxStore();
    for (const tenantId of ['t1', 't2']) {
      store.tenants.set(tenantId, { tenantId, users: new Map() } as never);
    }
    const grant = createGrant(store, {
      clientId: 'c',
      kind: 'authorization_code',
      tenantIds: ['t1', 't2'],
      scopes: [],
      now: 0,
    });
    const first = store.connectionForTenant(grant, 't1')!;
    expect(first.tenantId).toBe('t1');
    expect(store.connectionForTenant(grant, 't3')).toBeUndefined();
    grant.connections.delete(first.id);
    expect(store.connectionForTenant(grant, 't1')).toBeUndefined();
    expect(store.connectionForTenant(grant, 't2')?.tenantId).toBe('t2');
  });
});
