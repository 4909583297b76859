import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createOrm, type ModelOrm } from '@xero-access/model';
import { redisTestPrefix, serviceUrls } from '@xero-access/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { parseConfig } from '../config/config.js';
import { OAuthStateSigner } from '../connect/oauth-state.js';
import { RETRY_AFTER_SECONDS } from '../http/database-unavailable.js';
import { SCIM_ERROR, SCIM_USER } from '../scim/scim.types.js';
import { startHarness, type Harness, type TestResponse } from './harness.js';

const STACK_TRACE = /\bat \S+ \(|Exception|\.js:\d+/;

function expectRetryLater(response: TestResponse) {
  expect(response.statusCode, response.body).toBe(503);
  expect(response.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
  expect(response.body).not.toMatch(STACK_TRACE);
}

/**
 * Another process holding SQLite's write lock (the reconciler writing the same file, as in the
 * demo) for longer than the busy timeout: a write answers 503 with Retry-After, not a 500.
 */
describe('a busy SQLite database', () => {
  let h: Harness;
  let other: ModelOrm;
  beforeAll(async () => {
    h = await startHarness('sqlite');
    other = await createOrm({ url: h.deps.config.databaseUrl });
  });
  afterAll(async () => {
    await other?.close();
    await h?.close();
  });

  /** Runs `request` while the other connection holds the write lock, then lets go. */
  async function whileLocked(request: () => Promise<TestResponse>): Promise<TestResponse> {
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = other.orm.em.fork().transactional(async (em) => {
      await em.execute('select count(*) from staff_member');
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await isLocked;
    try {
      return await request();
    } finally {
      release();
      await holder;
    }
  }

  it('answers a write 503 with Retry-After and a plain message, and accepts it once free', async () => {
    const body = { email: 'busy@acme.example', name: 'Busy Writer' };
    const started = Date.now();
    const busy = await whileLocked(() => h.call('POST', '/staff', { token: h.tokens.admin, body }));
    expectRetryLater(busy);
    expect(busy.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: `the database is busy (another writer holds the lock); retry in ${RETRY_AFTER_SECONDS} s`,
    });
    // It waited for the lock (SQLite's busy timeout) before giving up.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);

    const retried = await h.call('POST', '/staff', { token: h.tokens.admin, body });
    expect(retried.statusCode, retried.body).toBe(201);
  });

  it('answers a SCIM write the same way, as a SCIM error', async () => {
    const busy = await whileLocked(() =>
      h.call('POST', '/scim/v2/Users', {
        token: h.tokens.scim,
        headers: { 'content-type': 'application/scim+json' },
        body: {
          schemas: [SCIM_USER],
          userName: 'scim.busy@acme.example',
          emails: [{ value: 'scim.busy@acme.example', primary: true, type: 'work' }],
          active: true,
        },
      }),
    );
    expectRetryLater(busy);
    expect(busy.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(busy.json()).toMatchObject({
      schemas: [SCIM_ERROR],
      status: '503',
      detail: expect.stringMatching(/database is busy/),
    });
  });
});

/** PostgreSQL refusing connections (stopped, restarting): 503 with Retry-After, not a 500. */
describe('an unreachable PostgreSQL', () => {
  let app: NestFastifyApplication;
  let model: ModelOrm;
  let redis: Redis;
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const response = await app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer xao_${'0'.repeat(48)}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      payload: body ? JSON.stringify(body) : undefined,
    });
    return {
      statusCode: response.statusCode,
      headers: response.headers,
      body: response.body,
      json: () => JSON.parse(response.body),
    } satisfies TestResponse;
  };

  beforeAll(async () => {
    // Nothing listens on port 1: every connection is refused, as while PostgreSQL is down.
    const databaseUrl = 'postgres://xao:xao@127.0.0.1:1/xao';
    model = await createOrm({ url: databaseUrl });
    redis = new Redis(serviceUrls.redis);
    await redis.ping();
    const config = parseConfig({
      databaseUrl,
      redisUrl: serviceUrls.redis,
      redisKeyPrefix: redisTestPrefix('api-down'),
      logLevel: 'silent',
      publicUrl: 'http://127.0.0.1:8080',
      oidc: {},
      xero: {},
    });
    app = await createApp({
      config,
      model,
      redis,
      logger: pino({ level: 'silent' }),
      kube: null,
      oidc: null,
      stateSigner: OAuthStateSigner.random(),
    });
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    redis?.disconnect();
  });

  it('answers reads and writes 503 with Retry-After', async () => {
    for (const response of [
      await call('GET', '/findings'),
      await call('POST', '/staff', { email: 'down@acme.example', name: 'Down' }),
    ]) {
      expectRetryLater(response);
      expect(response.json()).toMatchObject({
        statusCode: 503,
        message: expect.stringMatching(/database is unavailable/),
      });
    }
  });

  it("stays ready, so clients get its own 503 rather than the ingress's; the diagnostics name the database", async () => {
    const ready = await call('GET', '/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok' });
    const dependencies = await call('GET', '/health/dependencies');
    expect(dependencies.statusCode).toBe(503);
    expect(dependencies.json()).toEqual({
      status: 'degraded',
      checks: [
        { name: 'database', ok: false, detail: 'unavailable (ECONNREFUSED)' },
        { name: 'redis', ok: true },
      ],
      heldTokenSets: 0,
    });
  });
});
