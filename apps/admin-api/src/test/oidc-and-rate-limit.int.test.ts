import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { startOidcIssuer, type OidcIssuer } from './oidc-issuer.js';

describe('OIDC JWTs verified against a JWKS, with group-to-role mapping', () => {
  let issuer: OidcIssuer;
  let h: Harness;

  beforeAll(async () => {
    issuer = await startOidcIssuer({ 'sec-team': 'admin', auditors: 'viewer' });
    h = await startHarness('sqlite', { oidc: issuer.verifier });
  });
  afterAll(async () => {
    await h?.close();
    await issuer?.close();
  });

  const jwt: OidcIssuer['jwt'] = (claims, options) => issuer.jwt(claims, options);

  it('maps groups to the highest role and records the person in the audit log', async () => {
    const auditor = await jwt({ groups: ['auditors'], email: 'ann@acme.example' });
    expect((await h.call('GET', '/findings', { token: auditor })).statusCode).toBe(200);
    expect((await h.call('GET', '/tokens', { token: auditor })).statusCode).toBe(403);
    const admin = await jwt({ groups: ['auditors', 'sec-team'], email: 'sam@acme.example' });
    const created = await h.call('POST', '/tokens', {
      token: admin,
      body: { name: 'from-oidc', role: 'viewer' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().createdBy).toBe('oidc:sam@acme.example');
  });

  it('refuses a JWT with no mapped group (403), a wrong audience, issuer or an expired one (401)', async () => {
    expect(
      (await h.call('GET', '/findings', { token: await jwt({ groups: ['everyone'] }) })).statusCode,
    ).toBe(403);
    expect(
      (
        await h.call('GET', '/findings', {
          token: await jwt({ groups: ['auditors'] }, { audience: 'other' }),
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await h.call('GET', '/findings', {
          token: await jwt({ groups: ['auditors'] }, { issuer: 'https://evil.example' }),
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await h.call('GET', '/findings', {
          token: await jwt({ groups: ['auditors'] }, { expires: '-1m' }),
        })
      ).statusCode,
    ).toBe(401);
    expect((await h.call('GET', '/findings', { token: 'not.a.jwt' })).statusCode).toBe(401);
  });
});

describe('rate limiting of the API itself (Redis-backed, per credential)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', { config: { rateLimitPerMinute: 5 } });
  });
  afterAll(async () => h?.close());

  it('answers 429 with a clear message past the limit, per credential, and never limits health', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await h.call('GET', '/findings', { token: h.tokens.viewer })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await h.call('GET', '/findings', { token: h.tokens.viewer });
    expect(limited.json()).toMatchObject({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(/rate limit of 5 requests per minute/),
    });
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await h.call('GET', '/findings', { token: h.tokens.admin })).statusCode).toBe(200);
    for (let i = 0; i < 10; i++) expect((await h.call('GET', '/health/live')).statusCode).toBe(200);
    expect(await h.redis.keys(`${h.prefix}api-rl:*`)).not.toEqual([]);
  });
});
