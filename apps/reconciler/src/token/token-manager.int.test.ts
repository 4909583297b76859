import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import type { XeroConnection } from '@xero-access/crd';
import { createTestNamespace, redisTestPrefix, testKubeConfig } from '@xero-access/testing';
import { createLimiterRedis, createXeroClient } from '@xero-access/xero-client';
import { startSandbox, type Sandbox } from '@xero-access/xero-sandbox';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { TokenManager } from './token-manager.js';
import { readTokenSecret } from './token-secret.js';

describe('token manager: a new consent while a refresh of the earlier grant is in flight', () => {
  let sandbox: Sandbox;
  let redis: Redis;
  let core: CoreV1Api;
  let namespace: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    redis = createLimiterRedis(inject('redisUrl'));
    const kc = testKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    namespace = await createTestNamespace(kc, 'token-manager');
  });
  afterAll(async () => {
    redis?.disconnect();
    await sandbox?.close();
  });

  it('keeps the new consent in the Secret and answers with its access token', async () => {
    const app = sandbox.apps.find((a) => a.kind === 'standard')!;
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
    const client = createXeroClient({
      credentials: { clientId: app.clientId, clientSecret: app.clientSecret },
      endpoints: { identityUrl: sandbox.identityUrl, apiUrl: sandbox.apiUrl },
      redis,
      keyPrefix: redisTestPrefix('token-manager'),
    });
    const connection = {
      metadata: { namespace, name: 'acme' },
      spec: {
        credentialsSecretRef: { name: 'acme-xero-app' },
        tokenSecretRef: { name: 'acme-xero-tokens' },
      },
    } as unknown as XeroConnection;

    // A slow token endpoint keeps the refresh in flight while the admin API stores a new consent.
    sandbox.setFaults({ target: 'identity', latencyMs: 1_500 });
    const granted = manager.accessToken(connection, client);
    await sleep(400);
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
