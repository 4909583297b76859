import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createOrm, Database, type ModelOrm } from '@xero-access/model';
import { createTestDatabase, redisTestPrefix, serviceUrls } from '@xero-access/testing';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import type { AppDependencies } from '../app/app.module.js';
import { createApp } from '../app/create-app.js';
import type { CredentialRole } from '../auth/roles.js';
import { parseConfig, type ConfigInput } from '../config/config.js';
import { OAuthStateSigner } from '../connect/oauth-state.js';

export type Dialect = 'postgresql' | 'sqlite';
export const DIALECTS: { dialect: Dialect }[] = [{ dialect: 'postgresql' }, { dialect: 'sqlite' }];

interface TestDb {
  url: string;
  dispose(): Promise<void>;
}

async function testDatabase(dialect: Dialect): Promise<TestDb> {
  if (dialect === 'postgresql') {
    const db = await createTestDatabase('api');
    return { url: db.url, dispose: () => db.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'xao-api-'));
  return {
    url: `sqlite://${join(dir, 'api.db')}`,
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface InjectOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is (for malformed bodies); sets no content type. */
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** The peer's address (default 127.0.0.1). */
  remoteAddress?: string;
}

export interface TestResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Harness {
  app: NestFastifyApplication;
  model: ModelOrm;
  redis: Redis;
  prefix: string;
  deps: AppDependencies;
  /** One token per role: viewer, reviewer, admin (owned by test-admin@security.example), scim. */
  tokens: Record<CredentialRole, string>;
  call(method: string, url: string, options?: InjectOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  config?: Partial<ConfigInput>;
  kube?: AppDependencies['kube'];
  oidc?: AppDependencies['oidc'];
  /** The app's logger (default: silent), e.g. createLogger with a destination that keeps lines. */
  logger?: Logger;
  /** The time the database stamps on what it writes (default: the system clock). */
  clock?: () => Date;
}

/** A fresh database of the given dialect, a private Redis prefix, the app, and a token per role. */
export async function startHarness(
  dialect: Dialect,
  options: HarnessOptions = {},
): Promise<Harness> {
  const database = await testDatabase(dialect);
  const orm = await createOrm({ url: database.url, migrate: true, poolMax: 8 });
  const model: ModelOrm = options.clock
    ? { ...orm, db: new Database(orm.orm, orm.dialect, { clock: options.clock }) }
    : orm;
  const redis = new Redis(serviceUrls.redis);
  // Connected before the first request, as a server is long before its first. (The rate limits
  // let requests through while Redis is not ready, and injected requests do no I/O to wait on it.)
  await redis.ping();
  const prefix = redisTestPrefix('api');
  const config = parseConfig({
    databaseUrl: database.url,
    redisUrl: serviceUrls.redis,
    redisKeyPrefix: prefix,
    logLevel: 'silent',
    publicUrl: 'http://127.0.0.1:8080',
    rateLimitPerMinute: 100_000,
    rateLimitPerIpPerMinute: 100_000,
    ...options.config,
    oidc: { ...(options.config?.oidc ?? {}) },
    xero: { ...(options.config?.xero ?? {}) },
  });
  const deps: AppDependencies = {
    config,
    model,
    redis,
    logger: options.logger ?? pino({ level: 'silent' }),
    kube: options.kube ?? null,
    oidc: options.oidc ?? null,
    stateSigner: OAuthStateSigner.random(),
  };
  const app = await createApp(deps);
  const tokens = {} as Record<CredentialRole, string>;
  for (const role of ['viewer', 'reviewer', 'admin', 'scim'] as const) {
    // The admin is a person, as risk acceptance needs (separation of duties), and no fixture's
    // Xero user; the others name no one, as shared tokens.
    const ownerEmail = role === 'admin' ? 'test-admin@security.example' : undefined;
    tokens[role] = (await model.db.tokens.create({ name: `test-${role}`, role, ownerEmail })).token;
  }
  return {
    app,
    model,
    redis,
    prefix,
    deps,
    tokens,
    async call(method, url, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let payload: string | undefined;
      if (o.rawBody !== undefined) payload = o.rawBody;
      else if (o.body !== undefined) {
        payload = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers,
        payload,
        query: o.query,
        remoteAddress: o.remoteAddress,
      });
      return {
        statusCode: response.statusCode,
        headers: response.headers,
        body: response.body,
        json: () => JSON.parse(response.body),
      };
    },
    async close() {
      await app.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await model.close();
      await database.dispose();
    },
  };
}
