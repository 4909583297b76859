import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { EXAMPLE_IDS, startSandbox, type Sandbox } from '@xero-access/xero-sandbox';
import { type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createXeroClient, type XeroClient } from '../client.js';
import { type XeroEndpoints } from '../config.js';
import { isXeroError, type XeroError } from '../errors.js';
import { type XeroCallEvent } from '../http/transport.js';
import { type ExtraCap, type LimiterTuning, type XeroLimits } from '../limiter/config.js';
import { createLimiterRedis } from '../redis.js';
import { endpointsOf } from '../test/sandbox-fixture.js';

const redisUrl = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * An integration in front of Xero (a proxy with its own caps) counts every request it passes on,
 * token requests included, although Xero's own limits do not count those: identity calls are
 * charged to the extra caps, in the same Redis-shared limiter, and to nothing else.
 */
describe('identity calls and the extra caps of an integration in front of Xero', () => {
  let sandbox: Sandbox;
  let redis: Redis;
  let credentials: { clientId: string; clientSecret: string };

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    // No offline queue: a command sent before the connection is ready would use the in-memory share.
    redis = createLimiterRedis(redisUrl, { commandTimeoutMs: 10_000 });
    const deadline = Date.now() + 10_000;
    while (redis.status !== 'ready') {
      if (Date.now() > deadline) throw new Error(`Redis at ${redisUrl} not ready within 10 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const custom = sandbox.apps.find((a) => a.kind === 'custom-connection')!;
    credentials = { clientId: custom.clientId, clientSecret: custom.clientSecret };
  });

  afterAll(async () => {
    redis?.disconnect();
    await sandbox?.close();
  });

  /**
   * `count` clients of the custom-connection app sharing one fresh key prefix in Redis: as many
   * processes (replicas, or the reconciler and the admin API) spending one budget.
   */
  function processes(
    count: number,
    limits: Partial<XeroLimits>,
    tuning: Partial<LimiterTuning> = {},
    onCall?: (call: XeroCallEvent) => void,
    endpoints: Partial<XeroEndpoints> = {},
  ): XeroClient[] {
    const keyPrefix = `identity-caps-${randomBytes(4).toString('hex')}`;
    return Array.from({ length: count }, () =>
      createXeroClient({
        credentials,
        endpoints: { ...endpointsOf(sandbox), ...endpoints },
        redis,
        keyPrefix,
        limits,
        limiterTuning: tuning,
        onCall,
      }),
    );
  }

  const tokenRequests = () => sandbox.stats().tokenCalls.client_credentials;

  async function refusal(promise: Promise<unknown>): Promise<XeroError> {
    const error = await promise.then(
      () => new Error('expected RateLimited, the call went through'),
      (e: unknown) => e,
    );
    expect(isXeroError(error, 'RateLimited'), String(error)).toBe(true);
    return error as XeroError;
  }

  it('a cap of N per window: N token requests go at once, the (N+1)th waits for the window', async () => {
    const cap: ExtraCap = { id: 'provider', points: 3, windowMs: 1_500 };
    const [a, b] = processes(2, { extraCaps: [cap] });
    const before = tokenRequests();
    const started = Date.now();
    const answeredAfter: number[] = [];
    await Promise.all(
      Array.from({ length: cap.points + 1 }, async (_, i) => {
        await (i % 2 ? a! : b!).identity.clientCredentials();
        answeredAfter.push(Date.now() - started);
      }),
    );
    answeredAfter.sort((x, y) => x - y);
    expect(tokenRequests() - before).toBe(cap.points + 1);
    // The first N are not held back...
    expect(answeredAfter[cap.points - 1]).toBeLessThan(1_000);
    // ...the (N+1)th is sent only once the first has left the window (dated from its answer).
    expect(answeredAfter[cap.points]).toBeGreaterThanOrEqual(cap.windowMs);
  });

  it('a slot further away than the longest wait: the (N+1)th fails with RateLimited naming the cap, and is never sent', async () => {
    const [a, b] = processes(
      2,
      { extraCaps: [{ id: 'provider', points: 2, windowMs: 60_000 }] },
      { maxWaitMs: 1_000 },
    );
    const before = tokenRequests();
    await a!.identity.clientCredentials();
    await b!.identity.clientCredentials();
    const started = Date.now();
    const error = await refusal(a!.identity.clientCredentials());
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error.code).toBe('cap provider');
    expect(error.operation).toBe('client credentials');
    expect(error.retryAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(tokenRequests() - before).toBe(2);
  });

  it("accounting and identity calls share the cap; identity calls spend none of Xero's limits", async () => {
    const [a, b] = processes(
      2,
      {
        // Xero's limits, one call each: a token request charged to them would exhaust them.
        appPerMinute: 1,
        tenantPerMinute: 1,
        minuteWindowMs: 60_000,
        extraCaps: [{ id: 'provider', points: 3, windowMs: 60_000 }],
      },
      { maxWaitMs: 1_000 },
    );
    const tenantId = EXAMPLE_IDS.paymentsTenantId;
    const tokens = await a!.identity.clientCredentials(); // cap: 1
    // Xero's app and tenant minute are untouched by the token request: the API call goes.
    expect((await b!.accounting.getOrganisation(tokens.accessToken, tenantId)).name).toBe(
      'Acme Payments Pty Ltd',
    ); // cap: 2, Xero's app and tenant minute spent
    await a!.identity.clientCredentials(); // cap: 3, though Xero's limits are spent
    // Both processes see the cap spent, by API and identity calls alike.
    for (const client of [a!, b!]) {
      const before = tokenRequests();
      expect((await refusal(client.identity.clientCredentials())).code).toBe('cap provider');
      expect(tokenRequests()).toBe(before);
    }
  });

  it('a 429 from the token endpoint still goes back to the caller as RateLimited: not retried, nothing paused', async () => {
    // The sandbox's token endpoint never answers 429: a loopback stand-in for it does.
    let tokenRequestsSeen = 0;
    const identity = createServer((_request, response) => {
      tokenRequestsSeen++;
      response.writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' });
      response.end('{}');
    });
    await new Promise<void>((resolve) => identity.listen(0, '127.0.0.1', resolve));
    try {
      const calls: XeroCallEvent[] = [];
      const [a] = processes(
        1,
        { extraCaps: [{ id: 'provider', points: 50, windowMs: 10_000 }] },
        {},
        (call) => calls.push(call),
        { identityUrl: `http://127.0.0.1:${(identity.address() as AddressInfo).port}` },
      );
      const started = Date.now();
      const error = await refusal(a!.identity.clientCredentials());
      expect(error.operation).toBe('client credentials');
      expect(error.retryAt!.getTime()).toBeGreaterThanOrEqual(started + 30_000);
      expect(tokenRequestsSeen).toBe(1);
      expect(calls).toEqual([{ operation: 'client credentials', statusCode: 429 }]);
      // Nothing paused: the next token request is sent at once, and API calls go on.
      await refusal(a!.identity.clientCredentials());
      expect(tokenRequestsSeen).toBe(2);
      const tokens = await processes(1, {})[0]!.identity.clientCredentials();
      await a!.accounting.getOrganisation(tokens.accessToken, EXAMPLE_IDS.paymentsTenantId);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await new Promise((resolve) => identity.close(resolve));
    }
  });
});
