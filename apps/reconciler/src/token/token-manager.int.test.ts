import { Writable } from 'node:stream';
import type { XeroConnection } from '@xero-access/crd';
import { redisTestPrefix } from '@xero-access/testing';
import { createXeroClient, type XeroClient } from '@xero-access/xero-client';
import type { Sandbox, Seed } from '@xero-access/xero-sandbox';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { until } from '../test/harness.js';
import { useSandboxFixture } from '../test/sandbox-fixture.js';
import { TokenManager } from './token-manager.js';
import { readTokenSecret, ROTATED_AT_ANNOTATION } from './token-secret.js';

/** A Xero client for the first sandbox app that `pick` chooses, its limiter keys under `prefix`. */
function appClient(
  sandbox: Sandbox,
  redis: Redis,
  pick: (app: Sandbox['apps'][number]) => boolean,
  prefix: string,
) {
  const app = sandbox.apps.find(pick)!;
  return createXeroClient({
    credentials: { clientId: app.clientId, clientSecret: app.clientSecret },
    endpoints: { identityUrl: sandbox.identityUrl, apiUrl: sandbox.apiUrl },
    redis,
    keyPrefix: redisTestPrefix(prefix),
  });
}

function clientOf(
  sandbox: Sandbox,
  redis: Redis,
  kind: 'standard' | 'custom-connection' = 'standard',
) {
  return appClient(sandbox, redis, (a) => a.kind === kind, 'token-manager');
}

/** A XeroConnection as the token manager reads it: where it is, its name, its spec. */
const connectionOf = (namespace: string, name: string, spec: Record<string, unknown>) =>
  ({ metadata: { namespace, name }, spec }) as unknown as XeroConnection;

describe('token manager: a new consent while a refresh of the earlier grant is in flight', () => {
  const env = useSandboxFixture({ namespace: 'token-manager' });

  it('keeps the new consent in the Secret and answers with its access token', async () => {
    const { sandbox, redis, core, namespace } = env;
    const spent = sandbox.grants[0]!.refreshToken!;
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'acme-xero-tokens' }, stringData: { refresh_token: spent } },
    });
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }),
    );
    const manager = new TokenManager({ core, refreshAheadMs: 60_000, logger });
    const client = clientOf(sandbox, redis);
    const connection = connectionOf(namespace, 'acme', {
      credentialsSecretRef: { name: 'acme-xero-app' },
      tokenSecretRef: { name: 'acme-xero-tokens' },
    });

    // The sandbox holds back the rotated set's answer, so the refresh is still in flight when the
    // admin API stores a new consent: once Xero has the refresh request, the consent is written.
    sandbox.setFaults({ target: 'identity', latencyMs: 1_500 });
    const granted = manager.accessToken(connection, client);
    await until(() => sandbox.stats().refreshRotations === 1, 15_000, 5);
    const consent = {
      refresh_token: 'consent-2-refresh',
      access_token: 'consent-2-access',
      expires_at: new Date(Date.now() + 30 * 60_000).toISOString(),
    };
    const { secret } = await readTokenSecret(core, namespace, 'acme-xero-tokens');
    await core.replaceNamespacedSecret({
      namespace,
      name: 'acme-xero-tokens',
      body: { ...secret, data: undefined, stringData: consent },
    });

    await expect(granted).resolves.toMatchObject({ accessToken: 'consent-2-access' });
    sandbox.clearFaults();
    const { tokens: stored } = await readTokenSecret(core, namespace, 'acme-xero-tokens');
    expect(stored).toMatchObject({
      refreshToken: 'consent-2-refresh',
      accessToken: 'consent-2-access',
    });
    const log = lines.join('');
    expect(log).toMatch(/a newer token set \(a new consent\) was stored while refreshing/);
    expect(log).not.toContain(spent);
    expect(log).not.toContain('consent-2');
  });
});

describe('token manager: keeping a grant alive without using it (a suspended connection)', () => {
  const env = useSandboxFixture({ namespace: 'keep-alive' });
  let manager: TokenManager;

  beforeAll(() => {
    manager = new TokenManager({
      core: env.core,
      refreshAheadMs: 60_000,
      logger: createLogger('silent'),
    });
  });

  const connection = (name: string, spec: Record<string, unknown>) =>
    connectionOf(env.namespace, name, { credentialsSecretRef: { name: `${name}-app` }, ...spec });

  it('authorization code: refreshes only once the last rotation is older than the given age', async () => {
    const { sandbox, redis, core, namespace } = env;
    const rotatedAt = new Date(Date.now() - 60 * 60_000);
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: 'kept-tokens',
          annotations: { [ROTATED_AT_ANNOTATION]: rotatedAt.toISOString() },
        },
        // The access token has expired: accessToken() would refresh now.
        stringData: {
          refresh_token: sandbox.grants[0]!.refreshToken!,
          access_token: 'expired-access-token',
          expires_at: new Date(Date.now() - 30 * 60_000).toISOString(),
        },
      },
    });
    const kept = connection('kept', { tokenSecretRef: { name: 'kept-tokens' } });
    const client = clientOf(sandbox, redis);
    const refreshes = () => sandbox.stats().tokenCalls.refresh_token;

    await expect(manager.keepAlive(kept, client, 12 * 3_600_000)).resolves.toEqual({
      dueAt: new Date(rotatedAt.getTime() + 12 * 3_600_000),
    });
    expect(refreshes()).toBe(0);

    const renewed = await manager.keepAlive(kept, client, 30 * 60_000);
    expect(renewed).toMatchObject({ grant: { fresh: true } });
    expect(refreshes()).toBe(1);
    expect(sandbox.stats().refreshRotations).toBe(1);
    const { tokens } = await readTokenSecret(core, namespace, 'kept-tokens');
    expect(tokens.refreshToken).not.toBe(sandbox.grants[0]!.refreshToken);
    expect(tokens.rotatedAt!.getTime()).toBeGreaterThan(rotatedAt.getTime());

    // Just renewed: not due again for the given age, whatever the access token's expiry.
    await expect(manager.keepAlive(kept, client, 30 * 60_000)).resolves.toHaveProperty('dueAt');
    expect(refreshes()).toBe(1);
  });

  it('client credentials: asks for a token only once the last one is older than the given age', async () => {
    const { sandbox, redis } = env;
    const custom = connection('custom', { authFlow: 'ClientCredentials' });
    const client = clientOf(sandbox, redis, 'custom-connection');
    const issued = () => sandbox.stats().tokenCalls.client_credentials;

    await expect(manager.keepAlive(custom, client, 12 * 3_600_000)).resolves.toHaveProperty(
      'grant',
    );
    expect(issued()).toBe(1);
    await expect(manager.keepAlive(custom, client, 12 * 3_600_000)).resolves.toHaveProperty(
      'dueAt',
    );
    expect(issued()).toBe(1);
    await expect(manager.keepAlive(custom, client, 0)).resolves.toHaveProperty('grant');
    expect(issued()).toBe(1); // its token is still valid: kept alive without a call
  });
});

describe('token manager: a pre-filled expires_at too far ahead to believe (a suspended connection)', () => {
  const env = useSandboxFixture({ namespace: 'far-expiry' });

  // Believed (even only 30 min ahead of each read), the keep-alive would answer with the cached
  // access token for good and never rotate the refresh token, which lapses after 60 days.
  it('refreshes once, writes a real expiry back, then waits for the given age', async () => {
    const { sandbox, redis, core, namespace } = env;
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'far-tokens' },
        stringData: {
          refresh_token: sandbox.grants[0]!.refreshToken!,
          access_token: 'prefilled-access-token',
          expires_at: '9999-12-31T23:59:59Z',
        },
      },
    });
    const manager = new TokenManager({
      core,
      refreshAheadMs: 60_000,
      logger: createLogger('silent'),
    });
    const connection = connectionOf(namespace, 'far', {
      credentialsSecretRef: { name: 'far-app' },
      tokenSecretRef: { name: 'far-tokens' },
    });
    const client = clientOf(sandbox, redis);

    await expect(manager.keepAlive(connection, client, 12 * 3_600_000)).resolves.toMatchObject({
      grant: { fresh: true },
    });
    await expect(manager.keepAlive(connection, client, 12 * 3_600_000)).resolves.toHaveProperty(
      'dueAt',
    );
    expect(sandbox.stats().tokenCalls.refresh_token).toBe(1);
    const { tokens } = await readTokenSecret(core, namespace, 'far-tokens');
    expect(tokens.accessToken).not.toBe('prefilled-access-token');
    expect(tokens.expiresAt).not.toBeNull();
  });
});

describe('token manager: credentials pointed at another custom connection', () => {
  const seed: Seed = {
    tenants: [{ name: 'Org A' }, { name: 'Org B' }],
    apps: ['A', 'B'].map((org) => ({
      name: `Custom ${org}`,
      customConnection: { tenant: `Org ${org}`, scopes: ['accounting.settings.read'] },
    })),
  };
  const env = useSandboxFixture({ seed });

  const clientFor = (name: string) =>
    appClient(env.sandbox, env.redis, (a) => a.name === name, 'token-manager-swap');
  const tenantsOf = async (client: XeroClient, accessToken: string) =>
    (await client.accounting.getConnections(accessToken)).map((c) => c.tenantName);

  it('asks for a token of the new app at once, which reaches its organisation', async () => {
    const { sandbox, core } = env;
    const manager = new TokenManager({
      core,
      refreshAheadMs: 60_000,
      logger: createLogger('silent'),
    });
    const connection = connectionOf('finance', 'custom', {
      authFlow: 'ClientCredentials',
      credentialsSecretRef: { name: 'custom-app' },
    });
    const issued = () => sandbox.stats().tokenCalls.client_credentials;
    const appA = clientFor('Custom A');
    const appB = clientFor('Custom B');

    const first = await manager.accessToken(connection, appA);
    expect(await tenantsOf(appA, first.accessToken)).toEqual(['Org A']);
    await expect(manager.accessToken(connection, appA)).resolves.toMatchObject({ fresh: false });
    expect(issued()).toBe(1);

    // The credentials Secret now names app B: its token, not app A's still valid one.
    const swapped = await manager.accessToken(connection, appB);
    expect(swapped).toMatchObject({ fresh: true });
    expect(issued()).toBe(2);
    expect(await tenantsOf(appB, swapped.accessToken)).toEqual(['Org B']);
    await expect(manager.keepAlive(connection, appB, 12 * 3_600_000)).resolves.toHaveProperty(
      'dueAt',
    );
    expect(issued()).toBe(2);
  });
});
