import { randomBytes } from 'node:crypto';
import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isXeroError, type XeroError } from '../errors.js';
import { type XeroLimits } from '../limiter/config.js';
import { XeroRateLimiter } from '../limiter/xero-rate-limiter.js';
import { createLimiterRedis } from '../redis.js';
import { Transport, type XeroCallEvent } from './transport.js';

const redisUrl = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = createLimiterRedis(redisUrl, { commandTimeoutMs: 10_000 });

/** What the stand-in for Xero answers every request with. */
let answer: { status: number; headers: OutgoingHttpHeaders } = { status: 200, headers: {} };
let server: Server;
let url: string;

beforeAll(async () => {
  // No offline queue: a command sent before the connection is ready would use the in-memory share.
  const deadline = Date.now() + 10_000;
  while (redis.status !== 'ready') {
    if (Date.now() > deadline)
      throw new Error(`Redis at ${redisUrl} not ready within 10 s (status ${redis.status})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  server = createServer((_request, response) => {
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api.xro/2.0/Users`;
});

afterAll(async () => {
  redis.disconnect();
  await new Promise((resolve) => server.close(resolve));
});

/** A transport with its own limiter budget; a slot further away than `maxWaitMs` fails at once. */
function transport(
  limits: Partial<XeroLimits>,
  onCall?: (call: XeroCallEvent) => void,
  maxWaitMs = 1_000,
) {
  const limiter = new XeroRateLimiter({
    redis,
    keyPrefix: `transport-${randomBytes(4).toString('hex')}`,
    limits,
    tuning: { maxWaitMs },
  });
  const through = new Transport({ limiter, onCall });
  return (waitUntil?: Date) => getUsers(through, waitUntil);
}

/** One GET Users of app `app` for tenant `t1` through `through`. */
function getUsers(through: Transport, waitUntil?: Date) {
  return through.send({
    method: 'GET',
    url,
    headers: {},
    idempotent: true,
    operation: 'GET Users',
    scope: { appId: 'app', tenantId: 't1', operation: 'GET Users' },
    waitUntil,
  });
}

async function refusal(promise: Promise<unknown>): Promise<XeroError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isXeroError(error, 'RateLimited'), `expected RateLimited, got ${String(error)}`).toBe(
    true,
  );
  return error as XeroError;
}

describe('Transport and the limiter: what Xero says about the budget', () => {
  it.each([
    ['X-DayLimit-Remaining', { tenantPerDay: 5, dayWindowMs: 60_000 }, 'day'],
    ['X-MinLimit-Remaining', { tenantPerMinute: 5, minuteWindowMs: 60_000 }, 'minute'],
    ['X-AppMinLimit-Remaining', { appPerMinute: 5, minuteWindowMs: 60_000 }, 'appminute'],
  ] as const)(
    'reads %s: a budget Xero reports spent holds back the next call',
    async (header, limits, limit) => {
      const send = transport(limits);
      // Plenty left: the next call goes at once.
      answer = { status: 200, headers: { [header]: '3' } };
      expect((await send()).statusCode).toBe(200);
      expect((await send()).statusCode).toBe(200);
      // Xero says nothing is left: somebody else spent the rest of this window.
      answer = { status: 200, headers: { [header]: '0' } };
      expect((await send()).statusCode).toBe(200);
      const error = await refusal(send());
      expect(error.code).toBe(limit);
    },
  );

  it('tells onCall of a 429 with the limit Xero names and Retry-After', async () => {
    const calls: XeroCallEvent[] = [];
    const send = transport({}, (call) => calls.push(call));
    answer = {
      status: 429,
      headers: { 'Retry-After': '3600', 'X-Rate-Limit-Problem': 'day' },
    };
    const error = await refusal(send());
    expect(error.code).toBe('day');
    expect(calls).toEqual([
      {
        operation: 'GET Users',
        tenantId: 't1',
        statusCode: 429,
        rateLimited: { limit: 'day', retryAfterMs: 3_600_000 },
      },
    ]);
  });

  it('tells onCall of each 429 it waits out, then of the answer', async () => {
    const calls: XeroCallEvent[] = [];
    const send = transport({}, (call) => {
      calls.push(call);
      // Xero answers the retry after the pause.
      answer = { status: 200, headers: {} };
    });
    answer = { status: 429, headers: { 'Retry-After': '0' } };
    expect((await send()).statusCode).toBe(200);
    expect(calls).toEqual([
      {
        operation: 'GET Users',
        tenantId: 't1',
        statusCode: 429,
        rateLimited: { limit: 'minute', retryAfterMs: 0 },
      },
      { operation: 'GET Users', tenantId: 't1', statusCode: 200 },
    ]);
    expect('rateLimited' in calls[1]!).toBe(false);
  });

  it('tells onCall of every answer, each retried 5xx too, and carries on when onCall throws', async () => {
    const calls: XeroCallEvent[] = [];
    const through = new Transport({
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      onCall: (call) => {
        calls.push(call);
        throw new Error('a broken metric');
      },
    });
    const send = () => getUsers(through);
    answer = { status: 503, headers: {} };
    await expect(send()).rejects.toThrow(/HTTP 503/);
    answer = { status: 200, headers: {} };
    expect((await send()).statusCode).toBe(200);
    // Without a limiter to wait with, a 429 goes back to the caller, unpaused.
    answer = { status: 429, headers: { 'X-Rate-Limit-Problem': 'day' } };
    expect((await send()).statusCode).toBe(429);
    expect(calls).toEqual([
      { operation: 'GET Users', tenantId: 't1', statusCode: 503 },
      { operation: 'GET Users', tenantId: 't1', statusCode: 503 },
      { operation: 'GET Users', tenantId: 't1', statusCode: 200 },
      { operation: 'GET Users', tenantId: 't1', statusCode: 429 },
    ]);
    expect(calls.some((call) => 'rateLimited' in call)).toBe(false);
  });
});

describe("a caller's deadline (waitUntil)", () => {
  /** Settles within `ms`, or fails saying the call still waits. */
  const within = <T>(ms: number, promise: Promise<T>): Promise<T> =>
    Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms),
      ),
    ]);

  it('a slot that frees after it fails the call at once, retryAt when the slot frees', async () => {
    // The limiter alone would wait up to 5 min for the next slot (a minute away).
    const send = transport({ tenantPerMinute: 1, minuteWindowMs: 60_000 }, undefined, 5 * 60_000);
    answer = { status: 200, headers: {} };
    expect((await send()).statusCode).toBe(200);
    const error = await refusal(within(2_000, send(new Date(Date.now() + 1_000))));
    expect(error.code).toBe('minute');
    expect(error.retryAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it("a 429 whose Retry-After ends after it fails the call at once, retryAt Xero's", async () => {
    const send = transport({}, undefined, 5 * 60_000);
    answer = { status: 429, headers: { 'Retry-After': '30', 'X-Rate-Limit-Problem': 'minute' } };
    const startedAt = Date.now();
    const error = await refusal(within(2_000, send(new Date(Date.now() + 1_000))));
    expect(error.retryAt!.getTime()).toBeGreaterThanOrEqual(startedAt + 30_000);
  });
});
