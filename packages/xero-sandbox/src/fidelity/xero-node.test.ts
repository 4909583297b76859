import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XeroClient } from 'xero-node';
import { EXAMPLE_IDS } from '../seed/example.js';
import { startSandbox, type Sandbox } from '../server.js';
import { customApp, standardApp } from '../test/http.js';
import { initializeAgainst, redirectXeroNode } from '../test/xero-node-adapter.js';

const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'accounting.settings.read'];
let sb: Sandbox;
let undo: () => void;

beforeAll(async () => {
  sb = await startSandbox();
  undo = redirectXeroNode(sb);
});
afterAll(async () => {
  undo();
  await sb.close();
});

async function connectedClient(): Promise<XeroClient> {
  const app = standardApp(sb);
  const xero = new XeroClient({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUris: ['http://127.0.0.1:9/cb'],
    scopes: SCOPES,
  });
  await initializeAgainst(xero, sb.identityUrl);
  return xero;
}

describe('the official xero-node SDK against the sandbox', () => {
  it('refreshes with a refresh token (axios path), then with openid-client (id_token verified by JWKS)', async () => {
    const app = standardApp(sb);
    const xero = await connectedClient();
    const first = await xero.refreshWithRefreshToken(
      app.clientId,
      app.clientSecret,
      sb.grants[0]!.refreshToken!,
    );
    expect(first.access_token).toBeTruthy();
    expect(first.expired()).toBe(false);

    const second = await xero.refreshToken();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.claims()).toMatchObject({
      email: 'olivia.chen@acme.example',
      aud: app.clientId,
      iss: sb.identityUrl,
    });
    expect(sb.stats().refreshRotations).toBe(2);
  });

  it('completes the authorization-code flow: buildConsentUrl, then apiCallback', async () => {
    const app = standardApp(sb);
    const xero = new XeroClient({
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUris: ['http://127.0.0.1:9/cb'],
      scopes: SCOPES,
      state: 'state-123',
    });
    await initializeAgainst(xero, sb.identityUrl);
    const consentUrl = new URL(await xero.buildConsentUrl());
    expect(consentUrl.origin + consentUrl.pathname).toBe(
      `${sb.loginUrl}/identity/connect/authorize`,
    );
    consentUrl.searchParams.set('sandbox_auto_consent', 'true');
    const redirect = await fetch(consentUrl, { redirect: 'manual' });
    const tokenSet = await xero.apiCallback(redirect.headers.get('location')!);
    expect(tokenSet.refresh_token).toBeTruthy();
    expect(tokenSet.claims().email).toBe('olivia.chen@acme.example');
    const tenants = await xero.updateTenants(false);
    expect(tenants.map((t: { tenantName: string }) => t.tenantName).sort()).toEqual([
      'Acme Finance Ltd',
      'Acme Payments Pty Ltd',
    ]);
  });

  it('lists tenants with updateTenants (connections + organisation details)', async () => {
    const xero = await connectedClient();
    const app = standardApp(sb);
    await xero.refreshWithRefreshToken(
      app.clientId,
      app.clientSecret,
      (await freshRefreshToken())!,
    );
    const tenants = await xero.updateTenants(true);
    expect(tenants).toHaveLength(1);
    expect(tenants[0]).toMatchObject({
      tenantId: EXAMPLE_IDS.acmeTenantId,
      tenantName: 'Acme Finance Ltd',
      tenantType: 'ORGANISATION',
    });
    expect(tenants[0].orgData).toMatchObject({
      organisationID: EXAMPLE_IDS.acmeTenantId,
      name: 'Acme Finance Ltd',
      baseCurrency: 'NZD',
    });
  });

  it('reads users with accountingApi.getUsers, dates deserialised, If-Modified-Since honoured', async () => {
    const xero = await connectedClient();
    const app = standardApp(sb);
    await xero.refreshWithRefreshToken(
      app.clientId,
      app.clientSecret,
      (await freshRefreshToken())!,
    );
    const all = await xero.accountingApi.getUsers(EXAMPLE_IDS.acmeTenantId);
    expect(all.body.users).toHaveLength(9);
    const grace = all.body.users!.find((u) => u.userID === EXAMPLE_IDS.users.graceWilson)!;
    expect(grace.organisationRole).toBe('FINANCIALADVISER');
    expect(grace.updatedDateUTC).toBeInstanceOf(Date);
    expect((grace.updatedDateUTC as unknown as Date).toISOString()).toBe(
      '2024-07-01T08:00:00.000Z',
    );

    const recent = await xero.accountingApi.getUsers(
      EXAMPLE_IDS.acmeTenantId,
      new Date('2025-01-01T00:00:00Z'),
    );
    expect(recent.body.users!.map((u) => u.emailAddress)).toEqual([
      'jack.taylor.1987@gmail.example',
    ]);

    const one = await xero.accountingApi.getUser(
      EXAMPLE_IDS.acmeTenantId,
      EXAMPLE_IDS.users.syncService,
    );
    expect(one.body.users![0]!.firstName).toBe('Sync');
    const currencies = await xero.accountingApi.getCurrencies(EXAMPLE_IDS.acmeTenantId);
    expect(currencies.body.currencies!.map((c) => String(c.code))).toContain('NZD');
  });

  it('surfaces a 401 TokenExpired the way the SDK reports API errors', async () => {
    const xero = await connectedClient();
    const app = standardApp(sb);
    const set = await xero.refreshWithRefreshToken(
      app.clientId,
      app.clientSecret,
      (await freshRefreshToken())!,
    );
    sb.expireAccessTokens();
    const error = await xero.accountingApi
      .getOrganisations(EXAMPLE_IDS.acmeTenantId)
      .catch((e: unknown) => e);
    const parsed = JSON.parse(error as string) as {
      response: { statusCode: number; body: { Detail: string } };
    };
    expect(parsed.response.statusCode).toBe(401);
    expect(parsed.response.body.Detail).toMatch(/^TokenExpired/);
    expect(set.access_token).toBeTruthy();
  });

  it('gets a client-credentials token for a custom connection', async () => {
    const app = customApp(sb);
    const xero = new XeroClient({
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      grantType: 'client_credentials',
      scopes: ['accounting.settings.read'],
    });
    const set = await xero.getClientCredentialsToken();
    expect(set.refresh_token).toBeUndefined();
    const tenants = await xero.updateTenants(false);
    expect(tenants.map((t: { tenantId: string }) => t.tenantId)).toEqual([app.tenantId]);
    const org = await xero.accountingApi.getOrganisations(app.tenantId!);
    expect(org.body.organisations![0]!.name).toBe('Acme Payments Pty Ltd');
  });

  it('disconnects a tenant and revokes the token', async () => {
    const xero = await connectedClient();
    const app = standardApp(sb);
    await xero.refreshWithRefreshToken(
      app.clientId,
      app.clientSecret,
      (await freshRefreshToken())!,
    );
    const [tenant] = await xero.updateTenants(false);
    await xero.disconnect(tenant.id);
    expect(await xero.updateTenants(false)).toEqual([]);
    await xero.revokeToken();
    expect(sb.stats().tokenErrors).toEqual({});
  });
});

/** Each test starts from its own consent so tests do not spend each other's tokens. */
async function freshRefreshToken(): Promise<string | undefined> {
  const app = standardApp(sb);
  const url = new URL(`${sb.loginUrl}/identity/connect/authorize`);
  const redirect = 'http://127.0.0.1:9/cb';
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: redirect,
    scope: SCOPES.join(' '),
    sandbox_auto_consent: 'true',
    sandbox_tenants: EXAMPLE_IDS.acmeTenantId,
  })) {
    url.searchParams.set(k, v);
  }
  const code = new URL(
    (await fetch(url, { redirect: 'manual' })).headers.get('location')!,
  ).searchParams.get('code')!;
  const response = await fetch(`${sb.identityUrl}/connect/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirect,
    }).toString(),
  });
  return ((await response.json()) as { refresh_token?: string }).refresh_token;
}
