import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLE_IDS } from '../seed/example.js';
import { startSandbox, type Sandbox } from '../server.js';
import {
  adminRequest,
  apiGet,
  apiRequest,
  basic,
  firstTokenSet,
  standardApp,
  tokenRequest,
} from '../test/http.js';

const tenantId = EXAMPLE_IDS.acmeTenantId;
let sb: Sandbox;
let accessToken: string;
let refreshToken: string;

beforeEach(async () => {
  sb = await startSandbox();
  const tokens = await firstTokenSet(sb);
  accessToken = tokens.access_token;
  refreshToken = tokens.refresh_token!;
});
afterEach(async () => {
  await sb.close();
});

/** A raw GET, so a destroyed socket shows up as a socket error rather than a retried fetch. */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message }),
    );
    req.end();
  });
}

describe('faults', () => {
  it('answers the next N API calls with a 5xx, then recovers', async () => {
    sb.setFaults({ serverErrors: { count: 2, status: 500 }, target: 'api' });
    expect((await apiGet(sb, '/api.xro/2.0/Users', accessToken, tenantId)).status).toBe(500);
    expect((await apiGet(sb, '/connections', accessToken)).status).toBe(500);
    expect((await apiGet(sb, '/api.xro/2.0/Users', accessToken, tenantId)).status).toBe(200);
    // Injected failures never reached the rate limiter.
    expect(sb.stats().callsPerTenant[tenantId]).toBe(1);
  });

  it('leaves the identity endpoints alone when the target is api', async () => {
    sb.setFaults({ serverErrors: { count: 1 }, target: 'api' });
    const refreshed = await tokenRequest(
      sb,
      { grant_type: 'refresh_token', refresh_token: 'x' },
      standardApp(sb),
    );
    expect(refreshed.status).toBe(400);
    expect((await apiGet(sb, '/connections', accessToken)).status).toBe(503);
  });

  it('drops connections without an answer', async () => {
    sb.setFaults({ dropConnections: 1 });
    const dropped = await rawGet(`${sb.apiUrl}/connections`, {
      authorization: `Bearer ${accessToken}`,
    });
    expect(dropped).toEqual({ error: 'ECONNRESET' });
    expect(
      await rawGet(`${sb.apiUrl}/connections`, { authorization: `Bearer ${accessToken}` }),
    ).toEqual({ status: 200 });
  });

  it('truncates bodies so they cannot be parsed', async () => {
    sb.setFaults({ malformedBodies: 1 });
    const broken = await fetch(`${sb.apiUrl}/api.xro/2.0/Users`, {
      headers: {
        authorization: `Bearer ${accessToken}`,
        'xero-tenant-id': tenantId,
        accept: 'application/json',
      },
    });
    expect(broken.status).toBe(200);
    await expect(broken.json()).rejects.toThrow();
    expect((await apiGet(sb, '/api.xro/2.0/Users', accessToken, tenantId)).status).toBe(200);
  });

  it('adds latency to identity calls', async () => {
    sb.setFaults({ latencyMs: 250, target: 'identity' });
    const started = performance.now();
    await tokenRequest(sb, { grant_type: 'refresh_token', refresh_token: 'x' }, standardApp(sb));
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('holds a token answer back after rotating: a client that gives up meanwhile has lost the new set', async () => {
    sb.resetStats();
    sb.setFaults({ latencyMs: 5_000, target: 'identity' });
    const app = standardApp(sb);
    const refresh = () =>
      new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString();
    const gaveUp = new AbortController();
    const outcome = fetch(`${sb.identityUrl}/connect/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(app.clientId, app.clientSecret),
      },
      body: refresh(),
      signal: gaveUp.signal,
    }).then(
      () => 'answered',
      () => 'gave up',
    );
    // Rotated as the request arrived, while its answer is still held back.
    await expect.poll(() => sb.stats().refreshRotations, { timeout: 4_000 }).toBe(1);
    gaveUp.abort();
    expect(await outcome).toBe('gave up');
    sb.clearFaults();
    // The spent token still answers, with the set the client never received: Xero's grace period.
    const replayed = await tokenRequest(
      sb,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      app,
    );
    expect(replayed.status).toBe(200);
    expect(replayed.body.refresh_token).not.toBe(refreshToken);
    expect(sb.stats()).toMatchObject({ refreshRotations: 1, refreshGraceReplays: 1 });
  });

  it('adds latency to DELETE /connections/{id}', async () => {
    sb.setFaults({ latencyMs: 250, target: 'api' });
    const started = performance.now();
    const deleted = await apiRequest(
      sb,
      'DELETE',
      `/connections/${sb.grants[0]!.connectionIds[0]!}`,
      accessToken,
    );
    expect(deleted.status).toBe(204);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('forces invalid_client and 401 until cleared', async () => {
    sb.setFaults({ invalidClient: true, unauthorized: true });
    expect(
      (await tokenRequest(sb, { grant_type: 'client_credentials' }, sb.apps[1]!)).body,
    ).toEqual({ error: 'invalid_client' });
    const denied = await apiGet<{ Detail: string }>(
      sb,
      '/api.xro/2.0/Users',
      accessToken,
      tenantId,
    );
    expect(denied.status).toBe(401);
    expect(denied.body.Detail).toBe('AuthenticationUnsuccessful');
    sb.clearFaults();
    expect((await apiGet(sb, '/api.xro/2.0/Users', accessToken, tenantId)).status).toBe(200);
    expect(sb.stats().tokenErrors.invalid_client).toBe(1);
  });

  it('answers 403 AuthenticationUnsuccessful for one organisation (and endpoint) until cleared, leaving the others alone', async () => {
    const users = () =>
      apiGet<{ Title?: string; Detail?: string }>(sb, '/api.xro/2.0/Users', accessToken, tenantId);
    sb.setFaults({ forbidden: [{ tenantId: EXAMPLE_IDS.paymentsTenantId }] });
    expect((await users()).status).toBe(200);

    sb.setFaults({ forbidden: [{ tenantId: tenantId.toUpperCase(), endpoint: 'Users' }] });
    const denied = await users();
    // As Xero answers a tenant the grant may no longer reach (its OAuth 2.0 troubleshooting guide),
    // not AuthorizationUnsuccessful, which says a scope is missing.
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ Title: 'Forbidden', Detail: 'AuthenticationUnsuccessful' });
    expect(
      (
        await apiGet(
          sb,
          `/api.xro/2.0/Users/${EXAMPLE_IDS.users.oliviaChen}`,
          accessToken,
          tenantId,
        )
      ).status,
    ).toBe(403);
    expect((await apiGet(sb, '/api.xro/2.0/Organisation', accessToken, tenantId)).status).toBe(200);
    // Still connected: only its calls are refused.
    const connections = await apiGet<{ tenantId: string }[]>(sb, '/connections', accessToken);
    expect(connections.body.map((c) => c.tenantId)).toContain(tenantId);
    expect(sb.faults().forbidden).toEqual([{ tenantId, endpoint: 'users' }]);

    sb.clearFaults();
    expect((await users()).status).toBe(200);
    // The refused calls were not charged to the rate limits.
    expect(sb.stats().callsPerTenant[tenantId]).toBe(3);
  });

  it('refuses nonsense settings with the field named', () => {
    expect(() => sb.setFaults({ forbidden: [{ tenantId: 'no-such-tenant' }] })).toThrow(
      /faults.forbidden\[0\].tenantId: unknown tenant no-such-tenant/,
    );
    expect(() => sb.setFaults({ forbidden: [{ tenantId: '' }] })).toThrow(
      /faults.forbidden\[0\].tenantId/,
    );
    expect(() => sb.setFaults({ latencyMs: -1 })).toThrow(/faults.latencyMs/);
    expect(() => sb.setFaults({ serverErrors: { count: 1, status: 404 } })).toThrow(
      /faults.serverErrors.status/,
    );
  });
});

describe('admin HTTP endpoint', () => {
  it('offers the same operations as the methods', async () => {
    const info = await adminRequest<{ apiUrl: string; tenants: unknown[] }>(sb, 'GET', '/info');
    expect(info.body.apiUrl).toBe(sb.apiUrl);

    const added = await adminRequest<{ userId: string }>(sb, 'POST', `/tenants/${tenantId}/users`, {
      email: 'joiner@acme.example',
      firstName: 'Jo',
      lastName: 'Iner',
      organisationRole: 'STANDARD',
    });
    expect(added.status).toBe(201);
    const role = await adminRequest<{ organisationRole: string }>(
      sb,
      'PUT',
      `/tenants/${tenantId}/users/${added.body.userId}/role`,
      {
        organisationRole: 'READONLY',
      },
    );
    expect(role.body.organisationRole).toBe('READONLY');
    const patched = await adminRequest<{ lastName: string }>(
      sb,
      'PATCH',
      `/tenants/${tenantId}/users/${added.body.userId}`,
      { lastName: 'Changed' },
    );
    expect(patched.body.lastName).toBe('Changed');
    expect(
      (await adminRequest(sb, 'DELETE', `/tenants/${tenantId}/users/${added.body.userId}`)).status,
    ).toBe(204);
    const users = await adminRequest<{ userId: string; organisationRole: string }[]>(
      sb,
      'GET',
      `/tenants/${tenantId}/users`,
    );
    expect(users.body.find((u) => u.userId === added.body.userId)?.organisationRole).toBe(
      'REMOVED',
    );

    expect((await adminRequest(sb, 'PUT', '/faults', { serverErrors: { count: 1 } })).status).toBe(
      200,
    );
    expect((await apiGet(sb, '/connections', accessToken)).status).toBe(503);
    expect((await adminRequest(sb, 'PUT', '/faults', { latencyMs: 'slow' })).status).toBe(400);
    expect((await adminRequest(sb, 'DELETE', '/faults')).status).toBe(204);

    expect(
      (await adminRequest(sb, 'POST', '/rate-limit', { problem: 'day', retryAfterSeconds: 30 }))
        .status,
    ).toBe(204);
    expect(
      (await apiGet(sb, '/api.xro/2.0/Users', accessToken, tenantId)).headers.get(
        'x-rate-limit-problem',
      ),
    ).toBe('day');

    const grantId = sb.grants[0]!.grantId;
    expect(
      (await adminRequest(sb, 'DELETE', `/grants/${grantId}/scopes/accounting.settings.read`))
        .status,
    ).toBe(204);
    // A missing scope: 401 AuthorizationUnsuccessful, as Xero answers it.
    const unscoped = await apiGet<{ Detail: string }>(
      sb,
      '/api.xro/2.0/Users',
      accessToken,
      tenantId,
    );
    expect(unscoped.status).toBe(401);
    expect(unscoped.body.Detail).toBe('AuthorizationUnsuccessful');
    expect(
      (await adminRequest<{ removed: number }>(sb, 'POST', `/tenants/${tenantId}/disconnect`, {}))
        .body,
    ).toEqual({ removed: 1 });
    expect((await adminRequest(sb, 'POST', `/grants/${grantId}/revoke`)).status).toBe(204);
    expect((await adminRequest(sb, 'POST', '/grants/nope/revoke')).status).toBe(404);
    expect(
      (await adminRequest<{ expired: number }>(sb, 'POST', '/access-tokens/expire', {})).body
        .expired,
    ).toBeGreaterThan(0);

    const stats = await adminRequest<{ rateLimited: { day: number } }>(sb, 'GET', '/stats');
    expect(stats.body.rateLimited.day).toBe(1);
    expect((await adminRequest(sb, 'POST', '/stats/reset')).status).toBe(204);
    expect(
      (await adminRequest<{ rateLimited: { day: number } }>(sb, 'GET', '/stats')).body.rateLimited
        .day,
    ).toBe(0);
  });
});
