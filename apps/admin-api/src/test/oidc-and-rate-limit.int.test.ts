import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT, seedAcme } from './fixtures.js';
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
    const admin = await jwt({
      groups: ['auditors', 'sec-team'],
      email: 'sam@acme.example',
      email_verified: true,
    });
    const created = await h.call('POST', '/tokens', {
      token: admin,
      body: { name: 'from-oidc', role: 'viewer' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().createdBy).toBe('oidc:sam@acme.example');
  });

  it('never names an unverified email as the actor: the subject stands in for it', async () => {
    const createdBy = async (name: string, claims: Record<string, unknown>) => {
      const token = await jwt({ groups: ['sec-team'], ...claims }, { subject: 'user-9' });
      const created = await h.call('POST', '/tokens', { token, body: { name, role: 'viewer' } });
      expect(created.statusCode, created.body).toBe(201);
      return created.json().createdBy;
    };
    expect(await createdBy('no-flag', { email: 'sam@acme.example' })).toBe('oidc:user-9');
    expect(
      await createdBy('flag-false', { email: 'sam@acme.example', email_verified: false }),
    ).toBe('oidc:user-9');
    expect(await createdBy('no-email', {})).toBe('oidc:user-9');
    const log = (
      await h.call('GET', '/audit-log?limit=500', { token: await jwt({ groups: ['sec-team'] }) })
    ).json().items as { action: string; actor: string }[];
    expect(log.filter((e) => e.action === 'POST /tokens').map((e) => e.actor)).toEqual([
      'oidc:user-9',
      'oidc:user-9',
      'oidc:user-9',
      'oidc:sam@acme.example',
    ]);
  });

  it('refuses a JWT without a subject (401): nothing else tells people apart', async () => {
    const anonymous = await jwt(
      { groups: ['sec-team'], email: 'sam@acme.example', email_verified: true },
      { subject: null },
    );
    const refused = await h.call('GET', '/findings', { token: anonymous });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().message).toBe('the OIDC token has no sub claim, so it names nobody');
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

describe('OIDC_EMAIL_CLAIM naming an administrator-set claim (Entra ID upn)', () => {
  let issuer: OidcIssuer;
  let h: Harness;
  let reviewId: string;
  beforeAll(async () => {
    issuer = await startOidcIssuer({ reviewers: 'reviewer' }, { emailClaim: 'upn' });
    h = await startHarness('sqlite', { oidc: issuer.verifier });
    await seedAcme(h.model);
    const review = await h.model.db.reviews.create({
      connection: { namespace: 'finance', name: 'acme' },
      tenantId: TENANT.tenantId,
      title: 'Q4',
      createdBy: 'test',
    });
    reviewId = review.id;
  });
  afterAll(async () => {
    await h?.close();
    await issuer?.close();
  });

  const decide = async (claims: Record<string, unknown>) =>
    h.call('PUT', `/reviews/${reviewId}/items/u-olivia`, {
      token: await issuer.jwt({ groups: ['reviewers'], ...claims }),
      body: { decision: 'keep' },
    });

  it('takes the person from that claim without email_verified, and ignores the email claim', async () => {
    const own = await decide({ upn: 'olivia.chen@acme.example' });
    expect(own.statusCode).toBe(403);
    expect(own.json().message).toMatch(
      /^separation of duties: oidc:olivia\.chen@acme\.example may not decide on their own Xero access/,
    );
    const emailOnly = await decide({ email: 'rita@acme.example', email_verified: true });
    expect(emailOnly.statusCode).toBe(403);
    expect(emailOnly.json().message).toMatch(
      /; oidc:user-1 has none: its OIDC token has no "upn" claim; have the identity provider put the person's email in "upn", or set OIDC_EMAIL_CLAIM to the claim that carries it$/,
    );
    const other = await decide({ upn: 'rita@acme.example' });
    expect(other.statusCode, other.body).toBe(200);
    expect(other.json().decidedBy).toBe('oidc:rita@acme.example');
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
