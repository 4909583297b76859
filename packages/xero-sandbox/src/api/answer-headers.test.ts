import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Seed } from '../seed/schema.js';
import { startSandbox, type Sandbox } from '../server.js';
import { apiGet, firstTokenSet, tokenRequest } from '../test/http.js';
import { ManualClock } from '../test/manual-clock.js';

const CONNECTED = '0b000000-0000-4000-8000-000000000001';
const NOT_CONNECTED = '0b000000-0000-4000-8000-000000000002';
const SCOPES = ['offline_access', 'accounting.settings.read'];
const seed: Seed = {
  tenants: [
    {
      tenantId: CONNECTED,
      name: 'Connected',
      users: [
        { email: 'a@c.example', firstName: 'A', lastName: 'C', organisationRole: 'STANDARD' },
      ],
    },
    { tenantId: NOT_CONNECTED, name: 'Not connected' },
  ],
  apps: [{ name: 'App' }],
  grants: [{ app: 'App', tenants: [CONNECTED], scopes: SCOPES }],
};

/** [day, minute, app] remaining, as an answer reports them. */
const remaining = (headers: Headers) => [
  headers.get('x-daylimit-remaining'),
  headers.get('x-minlimit-remaining'),
  headers.get('x-appminlimit-remaining'),
];

/** The budgets where nothing of the caller's counts: the sandbox's default limits. */
const WHOLE = ['5000', '60', '10000'];

let sb: Sandbox;
let token: string;
beforeEach(async () => {
  sb = await startSandbox({ seed, clock: new ManualClock(), accessTokenTtlMs: 86_400_000 });
  token = (await firstTokenSet(sb)).access_token;
});
afterEach(async () => {
  await sb.close();
});

/** One API request; the body is read but not parsed (a fault may truncate it). */
async function answer(
  path: string,
  options: { token?: string; tenant?: string; method?: string; headers?: Record<string, string> },
): Promise<Response> {
  const response = await fetch(`${sb.apiUrl}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.tenant ? { 'xero-tenant-id': options.tenant } : {}),
      ...options.headers,
    },
  });
  await response.arrayBuffer();
  return response;
}

describe('every answer of the API host carries the three limit headers', () => {
  it('walks each kind of answer: the figures count accepted calls only, and show only what the caller may see', async () => {
    const users = (headers: Record<string, string> = {}) =>
      answer('/api.xro/2.0/Users', { token, tenant: CONNECTED, headers });
    const grantId = sb.grants[0]!.grantId;
    const connectionId = sb.grants[0]!.connectionIds[0]!;
    const unknownId = '0b000000-0000-4000-8000-0000000000ff';
    // In order: what happens, its status, and [day, minute, app] remaining in the answer.
    const steps: [string, () => Promise<Response>, number, string[]][] = [
      ['200 Users (counted)', () => users(), 200, ['4999', '59', '9999']],
      [
        '200 GET /connections (no tenant)',
        () => answer('/connections', { token }),
        200,
        ['5000', '60', '9999'],
      ],
      [
        '404 unknown user (counted)',
        () => answer(`/api.xro/2.0/Users/${unknownId}`, { token, tenant: CONNECTED }),
        404,
        ['4998', '58', '9998'],
      ],
      [
        '400 unreadable If-Modified-Since (counted)',
        () => users({ 'if-modified-since': 'yesterday' }),
        400,
        ['4997', '57', '9997'],
      ],
      [
        '401 no token (names nobody)',
        () => answer('/api.xro/2.0/Users', { tenant: CONNECTED }),
        401,
        WHOLE,
      ],
      [
        '401 unknown token',
        () => answer('/api.xro/2.0/Users', { token: 'not-a-token', tenant: CONNECTED }),
        401,
        WHOLE,
      ],
      [
        '403 no xero-tenant-id',
        () => answer('/api.xro/2.0/Users', { token }),
        403,
        ['5000', '60', '9997'],
      ],
      [
        '403 tenant not connected to the grant',
        () => answer('/api.xro/2.0/Users', { token, tenant: NOT_CONNECTED }),
        403,
        ['5000', '60', '9997'],
      ],
      [
        '429 forced (not counted)',
        () => (sb.forceRateLimit('minute', 5, 1), users()),
        429,
        ['4997', '57', '9997'],
      ],
      [
        '503 injected fault',
        () => (sb.setFaults({ target: 'api', serverErrors: { count: 1 } }), users()),
        503,
        WHOLE,
      ],
      [
        '404 unknown path',
        () => answer('/api.xro/2.0/NoSuchThing', { token, tenant: CONNECTED }),
        404,
        WHOLE,
      ],
      [
        '200 with a truncated body (fault)',
        () => (sb.setFaults({ target: 'api', malformedBodies: 1 }), users()),
        200,
        ['4996', '56', '9996'],
      ],
      [
        '404 DELETE unknown connection',
        () => answer(`/connections/${unknownId}`, { token, method: 'DELETE' }),
        404,
        ['5000', '60', '9996'],
      ],
      [
        '401 forced (the token names its app)',
        () => (sb.setFaults({ unauthorized: true }), users()),
        401,
        ['5000', '60', '9996'],
      ],
      [
        '401 AuthorizationUnsuccessful: scope removed (a tenant it may call)',
        () => (sb.clearFaults(), sb.removeScope(grantId, 'accounting.settings.read'), users()),
        401,
        ['4996', '56', '9996'],
      ],
      [
        '204 DELETE connection',
        () => answer(`/connections/${connectionId}`, { token, method: 'DELETE' }),
        204,
        ['5000', '60', '9996'],
      ],
      [
        '401 expired token (the token names its app)',
        () => (sb.expireAccessTokens(grantId), users()),
        401,
        ['5000', '60', '9996'],
      ],
    ];
    const statuses = new Set<number>();
    for (const [what, call, status, expected] of steps) {
      const result = await call();
      statuses.add(result.status);
      expect({ what, status: result.status, remaining: remaining(result.headers) }).toEqual({
        what,
        status,
        remaining: expected,
      });
      expect(result.headers.get('xero-correlation-id'), what).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect([...statuses].sort((a, b) => a - b)).toEqual([200, 204, 400, 401, 403, 404, 429, 503]);
    expect(sb.stats().callsPerApp).toEqual({ [sb.apps[0]!.clientId]: 4 });
  });

  it("answers an unknown path with Xero's problem body", async () => {
    const result = await apiGet<{ Status: number; Title: string }>(sb, '/nope', token);
    expect(result.status).toBe(404);
    expect(result.body).toMatchObject({ Status: 404, Title: 'Not Found' });
  });

  it('leaves the identity host alone: token answers, granted or refused, carry none', async () => {
    const app = sb.apps[0]!;
    const refused = await tokenRequest(
      sb,
      { grant_type: 'refresh_token', refresh_token: 'no-such-token' },
      app,
    );
    expect(refused.status).toBe(400);
    // The grant's first refresh token, replayed within the grace window: the same set again.
    const granted = await tokenRequest(
      sb,
      { grant_type: 'refresh_token', refresh_token: sb.grants[0]!.refreshToken! },
      app,
    );
    expect(granted.status).toBe(200);
    for (const result of [refused, granted])
      expect(remaining(result.headers)).toEqual([null, null, null]);
  });
});
