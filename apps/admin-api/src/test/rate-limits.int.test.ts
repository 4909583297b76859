import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { startHarness, type Harness, type TestResponse } from './harness.js';

const madeUpToken = () => `xao_${randomBytes(32).toString('base64url')}`;
const FORGED_CALLBACK = '/connect/callback?code=abc&state=eyJub25jZSI6IngifQ.AAAA';

describe('rate limits: per client IP before authentication, per verified credential after it', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', {
      config: { rateLimitPerMinute: 5, rateLimitPerIpPerMinute: 10 },
    });
  });
  afterAll(async () => h?.close());

  const statuses = async (count: number, send: (i: number) => Promise<TestResponse>) => {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) seen.push((await send(i)).statusCode);
    return seen;
  };

  it('does not give a made-up bearer token a counter of its own: one IP gets 429 past its limit', async () => {
    const from = '198.51.100.1';
    const seen = await statuses(13, () =>
      h.call('GET', '/findings', { token: madeUpToken(), remoteAddress: from }),
    );
    expect(seen).toEqual([...Array<number>(10).fill(401), 429, 429, 429]);
    const limited = await h.call('GET', '/findings', { token: madeUpToken(), remoteAddress: from });
    expect(limited.json()).toMatchObject({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(
        /^rate limit of 10 requests per minute per client IP exceeded; retry in \d+ s$/,
      ),
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-content-type-options']).toBe('nosniff');
    // A real token from that IP waits too; another IP and the health probes are not affected.
    const real = await h.call('GET', '/findings', {
      token: h.tokens.reviewer,
      remoteAddress: from,
    });
    expect(real.statusCode).toBe(429);
    const other = await h.call('GET', '/findings', {
      token: madeUpToken(),
      remoteAddress: '198.51.100.2',
    });
    expect(other.statusCode).toBe(401);
    expect((await h.call('GET', '/health/ready', { remoteAddress: from })).statusCode).toBe(200);
  });

  it('counts by the peer, not by an X-Forwarded-For it chooses (no proxy is trusted by default)', async () => {
    // Another pod in the cluster: a private address, once trusted by default.
    const seen = await statuses(11, (i) =>
      h.call('GET', '/findings', {
        remoteAddress: '10.244.1.9',
        headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
      }),
    );
    expect(seen).toEqual([...Array<number>(10).fill(401), 429]);
  });

  it('counts the addresses of one IPv6 /64 together', async () => {
    const seen = await statuses(11, (i) =>
      h.call('GET', '/findings', { remoteAddress: `2001:db8:0:7::${(i + 1).toString(16)}` }),
    );
    expect(seen).toEqual([...Array<number>(10).fill(401), 429]);
  });

  it('limits a verified credential on its own, from any IP, and leaves the others alone', async () => {
    const seen = await statuses(6, (i) =>
      h.call('GET', '/findings', {
        token: h.tokens.viewer,
        remoteAddress: i % 2 ? '192.0.2.1' : '192.0.2.2',
      }),
    );
    expect(seen).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await h.call('GET', '/findings', {
      token: h.tokens.viewer,
      remoteAddress: '192.0.2.3',
    });
    expect(limited.json().message).toMatch(
      /^rate limit of 5 requests per minute per credential exceeded; retry in \d+ s$/,
    );
    expect(limited.headers['retry-after']).toBeDefined();
    const admin = await h.call('GET', '/findings', {
      token: h.tokens.admin,
      remoteAddress: '192.0.2.1',
    });
    expect(admin.statusCode).toBe(200);
    // Its own counter shows (4 left), being tighter than its IP's (10 - 4 = 6 left).
    expect(admin.headers).toMatchObject({
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '4',
    });
    // Refused (401) tries cost no credential anything.
    for (let i = 0; i < 3; i++)
      await h.call('GET', '/findings', { token: madeUpToken(), remoteAddress: '192.0.2.9' });
    const scim = await statuses(6, () =>
      h.call('GET', '/scim/v2/Users', { token: h.tokens.scim, remoteAddress: '192.0.2.9' }),
    );
    expect(scim).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await h.redis.keys(`${h.prefix}api-rl:caller:*`)).toHaveLength(3);
    // SCIM clients get the refusal in SCIM's error format.
    const scimLimited = await h.call('GET', '/scim/v2/Users', {
      token: h.tokens.scim,
      remoteAddress: '192.0.2.10',
    });
    expect(scimLimited.json()).toMatchObject({
      status: '429',
      detail: expect.stringMatching(/per credential exceeded/),
    });
    expect(scimLimited.headers['retry-after']).toBeDefined();
  });

  it('bounds a flood of the public OAuth callback, and so the audit rows it writes', async () => {
    const from = '198.51.100.4';
    // The callback ignores credentials: a made-up one must not buy a fresh counter either.
    const seen = await statuses(15, () =>
      h.call('GET', FORGED_CALLBACK, { token: madeUpToken(), remoteAddress: from }),
    );
    expect(seen).toEqual([...Array<number>(10).fill(400), ...Array<number>(5).fill(429)]);
    const rows = (
      await h.model.db.audit.list({ action: 'GET /connect/callback' }, { limit: 500 })
    ).items.filter((e) => e.sourceIp === from);
    expect(rows).toHaveLength(10);
  });
});

describe('rate limits while Redis is unavailable', () => {
  let h: Harness;
  const warnings: { msg: string }[] = [];
  beforeAll(async () => {
    h = await startHarness('sqlite', {
      config: { rateLimitPerMinute: 2, rateLimitPerIpPerMinute: 2 },
      logger: createLogger('warn', {
        write: (line: string) => void warnings.push(JSON.parse(line)),
      }),
    });
  });
  afterAll(async () => h?.close());

  it('keeps answering and limiting, counted by this replica alone, and shares the limit again once it is back', async () => {
    h.redis.disconnect();
    const during: number[] = [];
    for (let i = 0; i < 5; i++)
      during.push((await h.call('GET', '/findings', { token: h.tokens.viewer })).statusCode);
    expect(during).toEqual([200, 200, 429, 429, 429]);
    const outage = warnings.filter((w) => /Redis is unavailable: API rate limits/.test(w.msg));
    // Once per limit (client IP, credential) per 30 s, not once per request.
    expect(outage).toHaveLength(2);
    await h.redis.connect();
    const after: number[] = [];
    for (let i = 0; i < 3; i++)
      after.push((await h.call('GET', '/findings', { token: h.tokens.viewer })).statusCode);
    expect(after).toEqual([200, 200, 429]);
  });
});
