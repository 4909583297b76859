import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLE_IDS } from '../seed/example.js';
import { startSandbox, type Sandbox } from '../server.js';
import { apiGet, apiRequest, firstTokenSet, standardApp, tokenRequest } from '../test/http.js';

interface UsersBody {
  Status: string;
  ProviderName: string;
  DateTimeUTC: string;
  Users: {
    UserID: string;
    EmailAddress: string;
    OrganisationRole: string;
    UpdatedDateUTC: string;
    IsSubscriber: boolean;
  }[];
}
interface Problem {
  Title: string;
  Status: number;
  Detail: string;
}

const tenantId = EXAMPLE_IDS.acmeTenantId;
let sb: Sandbox;
let accessToken: string;
let refreshToken: string;

beforeEach(async () => {
  sb = await startSandbox();
  const set = await firstTokenSet(sb);
  accessToken = set.access_token;
  refreshToken = set.refresh_token!;
});
afterEach(async () => {
  await sb.close();
});

describe('accounting endpoints', () => {
  it('lists users with Microsoft JSON dates and the Xero envelope', async () => {
    const result = await apiGet<UsersBody>(sb, '/api.xro/2.0/Users', accessToken, tenantId);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ Status: 'OK', ProviderName: 'Xero Access Operator' });
    expect(result.body.DateTimeUTC).toMatch(/^\/Date\(\d+\)\/$/);
    expect(result.body.Users).toHaveLength(9);
    const olivia = result.body.Users.find((u) => u.UserID === EXAMPLE_IDS.users.oliviaChen)!;
    expect(olivia).toEqual({
      UserID: EXAMPLE_IDS.users.oliviaChen,
      EmailAddress: 'olivia.chen@acme.example',
      FirstName: 'Olivia',
      LastName: 'Chen',
      UpdatedDateUTC: '/Date(1704873600000+0000)/',
      IsSubscriber: true,
      OrganisationRole: 'STANDARD',
    });
  });

  it('answers the path case-insensitively, as Xero does', async () => {
    expect((await apiGet(sb, '/api.xro/2.0/users', accessToken, tenantId)).status).toBe(200);
    expect((await apiGet(sb, '/Connections', accessToken)).status).toBe(200);
  });

  it('returns one user by id and 404 for an unknown id', async () => {
    const one = await apiGet<UsersBody>(
      sb,
      `/api.xro/2.0/Users/${EXAMPLE_IDS.users.graceWilson}`,
      accessToken,
      tenantId,
    );
    expect(one.body.Users.map((u) => u.OrganisationRole)).toEqual(['FINANCIALADVISER']);
    const missing = await apiGet(
      sb,
      '/api.xro/2.0/Users/00000000-0000-4000-8000-000000000000',
      accessToken,
      tenantId,
    );
    expect(missing.status).toBe(404);
  });

  it('filters users by If-Modified-Since (ISO without zone = UTC, or an HTTP date)', async () => {
    const iso = await apiGet<UsersBody>(sb, '/api.xro/2.0/Users', accessToken, tenantId, {
      'if-modified-since': '2024-06-01T00:00:00',
    });
    expect(iso.body.Users.map((u) => u.EmailAddress).sort()).toEqual([
      'grace.wilson@ledgerwise-advisers.example',
      'jack.taylor.1987@gmail.example',
      'xero-sync@acme.example',
    ]);
    const http = await apiGet<UsersBody>(sb, '/api.xro/2.0/Users', accessToken, tenantId, {
      'if-modified-since': new Date(Date.UTC(2025, 0, 1)).toUTCString(),
    });
    expect(http.body.Users.map((u) => u.EmailAddress)).toEqual(['jack.taylor.1987@gmail.example']);
    const bad = await apiGet<{ Type: string }>(sb, '/api.xro/2.0/Users', accessToken, tenantId, {
      'if-modified-since': 'yesterday',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.Type).toBe('ValidationException');
  });

  it('returns the organisation and its currencies', async () => {
    const org = await apiGet<{
      Organisations: { OrganisationID: string; Name: string; BaseCurrency: string }[];
    }>(sb, '/api.xro/2.0/Organisation', accessToken, tenantId);
    expect(org.body.Organisations[0]).toMatchObject({
      OrganisationID: tenantId,
      Name: 'Acme Finance Ltd',
      BaseCurrency: 'NZD',
    });
    const currencies = await apiGet<{ Currencies: { Code: string }[] }>(
      sb,
      '/api.xro/2.0/Currencies',
      accessToken,
      tenantId,
    );
    expect(currencies.body.Currencies.map((c) => c.Code)).toEqual(['NZD', 'AUD', 'USD']);
  });
});

describe('joiners, leavers and role changes', () => {
  it('shows a joiner, a role change and a leaver on the next read, with a newer UpdatedDateUTC', async () => {
    const before = Date.now();
    const joiner = sb.addUser(tenantId, {
      email: 'new.starter@acme.example',
      firstName: 'New',
      lastName: 'Starter',
      organisationRole: 'READONLY',
    });
    sb.setUserRole(tenantId, EXAMPLE_IDS.users.liamPatel, 'FINANCIALADVISER');
    sb.removeUser(tenantId, EXAMPLE_IDS.users.emmaBrown);
    sb.removeUser(tenantId, EXAMPLE_IDS.users.noahWilliams, { hard: true });
    const changed = await apiGet<UsersBody>(sb, '/api.xro/2.0/Users', accessToken, tenantId, {
      'if-modified-since': new Date(before - 1).toISOString(),
    });
    const byId = new Map(changed.body.Users.map((u) => [u.UserID, u]));
    expect(byId.get(joiner.userId)?.OrganisationRole).toBe('READONLY');
    expect(byId.get(EXAMPLE_IDS.users.liamPatel)?.OrganisationRole).toBe('FINANCIALADVISER');
    expect(byId.get(EXAMPLE_IDS.users.emmaBrown)?.OrganisationRole).toBe('REMOVED');
    const all = await apiGet<UsersBody>(sb, '/api.xro/2.0/Users', accessToken, tenantId);
    expect(all.body.Users.some((u) => u.UserID === EXAMPLE_IDS.users.noahWilliams)).toBe(false);
  });
});

describe('authentication and authorisation errors as Xero sends them', () => {
  it('answers 401 AuthenticationUnsuccessful for a missing or unknown token', async () => {
    const unknown = await apiGet<Problem>(sb, '/api.xro/2.0/Users', 'not-a-token', tenantId);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({
      Type: null,
      Title: 'Unauthorized',
      Status: 401,
      Detail: 'AuthenticationUnsuccessful',
      Extensions: {},
    });
    const none = await fetch(`${sb.apiUrl}/connections`);
    expect(none.status).toBe(401);
  });

  it('answers 401 TokenExpired after the access tokens are expired by the admin', async () => {
    expect(sb.expireAccessTokens()).toBeGreaterThan(0);
    const result = await apiGet<Problem>(sb, '/api.xro/2.0/Users', accessToken, tenantId);
    expect(result.status).toBe(401);
    expect(result.body.Detail).toMatch(/^TokenExpired/);
  });

  it('answers 403 AuthenticationUnsuccessful for a missing, unknown or disconnected tenant', async () => {
    const missing = await apiGet<Problem>(sb, '/api.xro/2.0/Users', accessToken);
    expect(missing.status).toBe(403);
    expect(missing.body).toMatchObject({
      Title: 'Forbidden',
      Status: 403,
      Detail: 'AuthenticationUnsuccessful',
    });
    // Connected to the other organisation? No: the seeded grant only holds Acme Finance Ltd.
    expect(
      (await apiGet(sb, '/api.xro/2.0/Users', accessToken, EXAMPLE_IDS.paymentsTenantId)).status,
    ).toBe(403);

    expect(sb.disconnectTenant(tenantId)).toBe(1);
    expect((await apiGet(sb, '/connections', accessToken)).body).toEqual([]);
    expect((await apiGet(sb, '/api.xro/2.0/Users', accessToken, tenantId)).status).toBe(403);
  });

  it('answers 401 AuthorizationUnsuccessful when the token lacks accounting.settings(.read)', async () => {
    sb.removeScope(sb.grants[0]!.grantId, 'accounting.settings.read');
    const result = await apiGet<Problem>(sb, '/api.xro/2.0/Organisation', accessToken, tenantId);
    expect(result.status).toBe(401);
    expect(result.body).toEqual({
      Type: null,
      Title: 'Unauthorized',
      Status: 401,
      Detail: 'AuthorizationUnsuccessful',
      Instance: expect.stringMatching(/^[0-9a-f-]{36}$/),
      Extensions: {},
    });
    // A refreshed token carries only what the grant still holds.
    const refreshed = await tokenRequest(
      sb,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      standardApp(sb),
    );
    expect(refreshed.body.scope.split(' ')).not.toContain('accounting.settings.read');
    expect(
      (await apiGet(sb, '/api.xro/2.0/Organisation', refreshed.body.access_token, tenantId)).status,
    ).toBe(401);
  });

  it('accepts accounting.settings (read-write) as well as .read', async () => {
    await sb.close();
    sb = await startSandbox({
      seed: {
        tenants: [{ tenantId, name: 'Org' }],
        apps: [{ name: 'App' }],
        grants: [
          { app: 'App', tenants: [tenantId], scopes: ['offline_access', 'accounting.settings'] },
        ],
      },
    });
    const set = await firstTokenSet(sb);
    expect((await apiGet(sb, '/api.xro/2.0/Currencies', set.access_token, tenantId)).status).toBe(
      200,
    );
  });
});

describe('DELETE /connections/{id}', () => {
  it('disconnects the tenant for this grant', async () => {
    const connectionId = sb.grants[0]!.connectionIds[0]!;
    expect(
      (await apiRequest(sb, 'DELETE', `/connections/${connectionId}`, accessToken)).status,
    ).toBe(204);
    expect((await apiGet(sb, '/connections', accessToken)).body).toEqual([]);
    expect(
      (await apiRequest(sb, 'DELETE', `/connections/${connectionId}`, accessToken)).status,
    ).toBe(404);
  });

  it('filters GET /connections by authEventId', async () => {
    const grantId = sb.grants[0]!.grantId;
    expect(
      (await apiGet<unknown[]>(sb, `/connections?authEventId=${grantId}`, accessToken)).body,
    ).toHaveLength(1);
    expect(
      (
        await apiGet<unknown[]>(
          sb,
          '/connections?authEventId=00000000-0000-4000-8000-000000000000',
          accessToken,
        )
      ).body,
    ).toEqual([]);
  });
});

describe('content negotiation', () => {
  it('answers XML, as Xero does, when the client does not ask for JSON', async () => {
    for (const accept of [undefined, '*/*', 'application/xml']) {
      const response = await fetch(`${sb.apiUrl}/api.xro/2.0/Users`, {
        headers: {
          authorization: `Bearer ${accessToken}`,
          'xero-tenant-id': tenantId,
          ...(accept ? { accept } : {}),
        },
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
      const xml = await response.text();
      expect(xml).toMatch(/^<Response [^>]*><Id>[^<]+<\/Id><Status>OK<\/Status>/);
      expect(xml).toContain(`<User><UserID>${EXAMPLE_IDS.users.oliviaChen}</UserID>`);
      expect(xml).toContain('<UpdatedDateUTC>2024-01-10T08:00:00.000</UpdatedDateUTC>');
    }
    const json = await apiGet(sb, '/api.xro/2.0/Users', accessToken, tenantId, {
      accept: 'application/json',
    });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.headers.get('xero-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers Xero validation errors as ApiException XML without Accept', async () => {
    const response = await fetch(`${sb.apiUrl}/api.xro/2.0/Users`, {
      headers: {
        authorization: `Bearer ${accessToken}`,
        'xero-tenant-id': tenantId,
        'if-modified-since': 'nope',
      },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(
      /^<ApiException [^>]*><ErrorNumber>10<\/ErrorNumber><Type>ValidationException<\/Type>/,
    );
  });
});
