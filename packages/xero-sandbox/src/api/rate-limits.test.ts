import { afterEach, describe, expect, it } from 'vitest';
import type { LimitConfig } from '../config.js';
import type { Seed } from '../seed/schema.js';
import { startSandbox, type Sandbox } from '../server.js';
import { apiGet, firstTokenSet, tokenRequest } from '../test/http.js';
import { ManualClock } from '../test/manual-clock.js';
import { appTenantKey } from '../state/stats.js';

const T1 = '0a000000-0000-4000-8000-000000000001';
const T2 = '0a000000-0000-4000-8000-000000000002';
const seed: Seed = {
  tenants: [
    {
      tenantId: T1,
      name: 'One',
      users: [
        { email: 'a@one.example', firstName: 'A', lastName: 'One', organisationRole: 'STANDARD' },
      ],
    },
    { tenantId: T2, name: 'Two' },
  ],
  apps: [{ name: 'App' }, { name: 'Other app' }],
  grants: [
    { app: 'App', tenants: [T1, T2], scopes: ['offline_access', 'accounting.settings.read'] },
    { app: 'Other app', tenants: [T1], scopes: ['offline_access', 'accounting.settings.read'] },
  ],
};

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

async function setUp(limits: Partial<LimitConfig>) {
  const clock = new ManualClock();
  sb = await startSandbox({ seed, limits, clock, accessTokenTtlMs: 365 * 86_400_000 });
  const token = (await firstTokenSet(sb)).access_token;
  const other = sb.apps[1]!;
  const otherSet = await tokenRequest(
    sb,
    { grant_type: 'refresh_token', refresh_token: sb.grants[1]!.refreshToken! },
    other,
  );
  return { sb, clock, token, otherToken: otherSet.body.access_token };
}

const limitHeaders = (headers: Headers) => ({
  day: headers.get('x-daylimit-remaining'),
  minute: headers.get('x-minlimit-remaining'),
  app: headers.get('x-appminlimit-remaining'),
});

describe('per-tenant minute limit', () => {
  it('counts down X-MinLimit-Remaining, answers 429 minute with Retry-After, and recovers when the window rolls', async () => {
    const { sb, clock, token } = await setUp({ tenantPerMinute: 3, minuteWindowMs: 10_000 });
    const seen = [];
    for (let i = 0; i < 3; i += 1) {
      const result = await apiGet(sb, '/api.xro/2.0/Organisation', token, T1);
      expect(result.status).toBe(200);
      seen.push(limitHeaders(result.headers));
      clock.advance(1000);
    }
    expect(seen).toEqual([
      { day: '4999', minute: '2', app: '9999' },
      { day: '4998', minute: '1', app: '9998' },
      { day: '4997', minute: '0', app: '9997' },
    ]);
    const refused = await apiGet<{ Status: number }>(sb, '/api.xro/2.0/Organisation', token, T1);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-rate-limit-problem')).toBe('minute');
    // The first call leaves the rolling window 10 s after it was made: 7 s from now.
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(limitHeaders(refused.headers)).toEqual({ day: '4997', minute: '0', app: '9997' });
    expect(refused.body.Status).toBe(429);

    // Another tenant is unaffected.
    expect((await apiGet(sb, '/api.xro/2.0/Organisation', token, T2)).status).toBe(200);

    clock.advance(6999);
    expect((await apiGet(sb, '/api.xro/2.0/Organisation', token, T1)).status).toBe(429);
    clock.advance(1);
    const recovered = await apiGet(sb, '/api.xro/2.0/Organisation', token, T1);
    expect(recovered.status).toBe(200);
    expect(recovered.headers.get('x-minlimit-remaining')).toBe('0');
    expect(sb.stats().rateLimited.minute).toBe(2);
    expect(sb.stats().callsPerTenant).toEqual({ [T1]: 4, [T2]: 1 });
    const app = sb.apps[0]!.clientId;
    expect(sb.stats().callsPerAppTenant).toEqual({
      [appTenantKey(app, T1)]: 4,
      [appTenantKey(app, T2)]: 1,
    });
  });

  it('rounds Retry-After up to whole seconds', async () => {
    const { sb, clock, token } = await setUp({ tenantPerMinute: 1, minuteWindowMs: 60_000 });
    await apiGet(sb, '/api.xro/2.0/Organisation', token, T1);
    clock.advance(500);
    const refused = await apiGet(sb, '/api.xro/2.0/Organisation', token, T1);
    expect(refused.headers.get('retry-after')).toBe('60');
  });
});

describe('per-tenant day limit', () => {
  it('answers 429 day once the day window is spent', async () => {
    const { sb, clock, token } = await setUp({
      tenantPerDay: 2,
      dayWindowMs: 3_600_000,
      minuteWindowMs: 1000,
    });
    expect(
      (await apiGet(sb, '/api.xro/2.0/Organisation', token, T1)).headers.get(
        'x-daylimit-remaining',
      ),
    ).toBe('1');
    clock.advance(2000);
    expect(
      (await apiGet(sb, '/api.xro/2.0/Organisation', token, T1)).headers.get(
        'x-daylimit-remaining',
      ),
    ).toBe('0');
    clock.advance(2000);
    const refused = await apiGet(sb, '/api.xro/2.0/Organisation', token, T1);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-rate-limit-problem')).toBe('day');
    expect(refused.headers.get('retry-after')).toBe(String(Math.ceil((3_600_000 - 4000) / 1000)));
    expect(sb.stats().rateLimited.day).toBe(1);
  });
});

describe('per-app minute limit', () => {
  it('answers 429 appminute across tenants', async () => {
    const { sb, token } = await setUp({ appPerMinute: 3 });
    expect((await apiGet(sb, '/api.xro/2.0/Organisation', token, T1)).status).toBe(200);
    expect((await apiGet(sb, '/api.xro/2.0/Organisation', token, T2)).status).toBe(200);
    const third = await apiGet(sb, '/api.xro/2.0/Users', token, T2);
    expect(third.headers.get('x-appminlimit-remaining')).toBe('0');
    const refused = await apiGet(sb, '/api.xro/2.0/Organisation', token, T1);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-rate-limit-problem')).toBe('appminute');
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(sb.stats().rateLimited.appminute).toBe(1);
  });
});

describe('tenant limits are per app, as at Xero', () => {
  it('gives each app calling a tenant its own minute, day and in-flight budget', async () => {
    const { sb, token, otherToken } = await setUp({ tenantPerMinute: 2, tenantPerDay: 3 });
    const other = await apiGet(sb, '/api.xro/2.0/Organisation', otherToken, T1);
    expect(limitHeaders(other.headers)).toEqual({ day: '2', minute: '1', app: '9999' });
    for (const expected of [
      { day: '2', minute: '1', app: '9999' },
      { day: '1', minute: '0', app: '9998' },
    ]) {
      const mine = await apiGet(sb, '/api.xro/2.0/Organisation', token, T1);
      expect(mine.status).toBe(200);
      expect(limitHeaders(mine.headers)).toEqual(expected);
    }
    const refused = await apiGet(sb, '/api.xro/2.0/Organisation', token, T1);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-rate-limit-problem')).toBe('minute');
    // The other app spent one call of its own budget only.
    expect((await apiGet(sb, '/api.xro/2.0/Organisation', otherToken, T1)).status).toBe(200);
    const [app, otherApp] = sb.apps.map((a) => a.clientId);
    expect(sb.stats().callsPerAppTenant).toEqual({
      [appTenantKey(app!, T1)]: 2,
      [appTenantKey(otherApp!, T1)]: 2,
    });
  });

  it('counts calls in flight per app: one app at its limit leaves another free', async () => {
    const { sb, token, otherToken } = await setUp({ tenantConcurrent: 2 });
    sb.setFaults({ latencyMs: 1000, target: 'api' });
    const s = sb;
    const call = (t: string) => apiGet(s, '/api.xro/2.0/Organisation', t, T1);
    const results = await Promise.all([call(token), call(token), call(token), call(otherToken)]);
    const statuses = results.map((r) => r.status);
    expect(statuses.slice(0, 3).sort()).toEqual([200, 200, 429]);
    expect(statuses[3]).toBe(200);
    expect(sb.stats().rateLimited.concurrent).toBe(1);
  });
});

describe('concurrency limit', () => {
  it('admits five calls in flight per tenant and answers the rest 429 concurrent', async () => {
    const { sb, token } = await setUp({});
    sb.setFaults({ latencyMs: 1000, target: 'api' });
    const s = sb;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => apiGet(s, '/api.xro/2.0/Organisation', token, T1)),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.headers.get('x-rate-limit-problem')).toBe('concurrent');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(sb.stats().maxInFlightObserved).toBe(5);
    expect(sb.stats().maxInFlightPerTenant[T1]).toBe(5);
    // Slots are free again once the answers are out.
    sb.clearFaults();
    expect((await apiGet(sb, '/api.xro/2.0/Organisation', token, T1)).status).toBe(200);
  });

  it('does not count sequential calls as concurrent', async () => {
    const { sb, token } = await setUp({ tenantConcurrent: 1 });
    for (let i = 0; i < 10; i += 1)
      expect((await apiGet(sb, '/api.xro/2.0/Currencies', token, T1)).status).toBe(200);
    expect(sb.stats().rateLimited.concurrent).toBe(0);
  });
});

describe('forced 429', () => {
  it('answers the next N calls with the chosen problem and Retry-After, without spending quota', async () => {
    const { sb, token } = await setUp({});
    sb.forceRateLimit('appminute', 7, 2);
    for (let i = 0; i < 2; i += 1) {
      const refused = await apiGet(sb, '/api.xro/2.0/Users', token, T1);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('7');
      expect(refused.headers.get('x-rate-limit-problem')).toBe('appminute');
    }
    const ok = await apiGet(sb, '/api.xro/2.0/Users', token, T1);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-minlimit-remaining')).toBe('59');
    expect(() => sb.forceRateLimit('hourly' as never)).toThrow(/problem: must be one of/);
  });

  it('can aim at one tenant and leave the others alone', async () => {
    const { sb, token } = await setUp({});
    sb.forceRateLimit('minute', 3, 1, T2);
    expect((await apiGet(sb, '/api.xro/2.0/Users', token, T1)).status).toBe(200);
    const refused = await apiGet(sb, '/api.xro/2.0/Users', token, T2);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-rate-limit-problem')).toBe('minute');
    expect((await apiGet(sb, '/api.xro/2.0/Users', token, T2)).status).toBe(200);
    expect(() => sb.forceRateLimit('minute', 1, 1, 'no-such-tenant')).toThrow(/unknown tenantId/);
  });
});
