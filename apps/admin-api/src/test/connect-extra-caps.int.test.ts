import type { CoreV1Api } from '@kubernetes/client-node';
import { serviceUrls } from '@xero-access/testing';
import {
  createLimiterRedis,
  createXeroClient,
  isXeroError,
  type ExtraCap,
  type XeroClient,
} from '@xero-access/xero-client';
import type { Sandbox } from '@xero-access/xero-sandbox';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeGateway } from '../kube/kube.js';
import { consent } from './connect-flow.js';
import { connectSetup, sandboxXero } from './connect-setup.js';
import { startHarness, type Harness } from './harness.js';

/** An integration in front of Xero lets 2 token requests through per minute, whoever sends them. */
const CAP: ExtraCap = { id: 'provider', points: 2, windowMs: 60_000 };

describe('connect: the code exchange is charged to the extra caps both apps share through Redis', () => {
  let sandbox: Sandbox;
  let core: CoreV1Api;
  let namespace: string;
  let h: Harness;
  let limiterRedis: Redis;
  /** The reconciler's Xero client for the same app: its REDIS_KEY_PREFIX has no trailing ':'. */
  let reconciler: XeroClient;

  beforeAll(async () => {
    const setup = await connectSetup('api-caps');
    ({ sandbox, core, namespace } = setup);
    await setup.createConnection('acme', { tokenSecretRef: { name: 'acme-tokens' } });
    h = await startHarness('sqlite', {
      kube: new KubeGateway(setup.kc),
      config: { xero: { ...sandboxXero(sandbox), extraCaps: JSON.stringify([CAP]) } },
    });
    // As the chart runs them: the admin API's prefix is `<p>:` (its default `xao:`), the
    // reconciler's `<p>` (its default `xao`); both are the same budget.
    expect(h.prefix).toMatch(/[^:]:$/);
    limiterRedis = createLimiterRedis(serviceUrls.redis, { commandTimeoutMs: 10_000 });
    const deadline = Date.now() + 10_000;
    while (limiterRedis.status !== 'ready') {
      if (Date.now() > deadline) throw new Error('Redis not ready within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const app = sandbox.apps.find((a) => a.kind === 'standard')!;
    reconciler = createXeroClient({
      credentials: { clientId: app.clientId, clientSecret: app.clientSecret },
      endpoints: {
        identityUrl: sandbox.identityUrl,
        loginUrl: sandbox.loginUrl,
        apiUrl: sandbox.apiUrl,
      },
      redis: limiterRedis,
      keyPrefix: h.prefix.replace(/:$/, ''),
      limits: { extraCaps: [CAP] },
      limiterTuning: { maxWaitMs: 1_000 },
    });
  });

  afterAll(async () => {
    limiterRedis?.disconnect();
    await h?.close();
    await sandbox?.close();
  });

  const codeExchanges = () => sandbox.stats().tokenCalls.authorization_code;

  async function refreshToken(): Promise<string> {
    const secret = await core.readNamespacedSecret({ namespace, name: 'acme-tokens' });
    return Buffer.from(secret.data!.refresh_token!, 'base64').toString('utf8');
  }

  it("shares one cap with the reconciler's token refreshes: past N token requests from either app, the next is refused", async () => {
    // 1 of 2: the admin API's code exchange.
    const first = await h.call('GET', `/connect/callback${await consent(h, `${namespace}/acme`)}`);
    expect(first.statusCode, first.body).toBe(200);
    expect(codeExchanges()).toBe(1);

    // 2 of 2: the reconciler refreshes the consent's token set.
    const tokens = await reconciler.identity.refresh(await refreshToken());
    expect(tokens.refreshToken).toBeTruthy();

    // The cap is spent for the admin API: the next exchange is not sent. The slot frees in a
    // minute, past the 15 s a person waits on the callback, so it fails at once, as a 429 does.
    const query = await consent(h, `${namespace}/acme`);
    const started = Date.now();
    const refused = await h.call('GET', `/connect/callback${query}`);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json()).toMatchObject({
      field: 'query.code',
      message: expect.stringMatching(
        /the code exchange failed: Xero rate limit reached \(cap provider\)/,
      ),
    });
    expect(codeExchanges()).toBe(1);

    // ...and for the reconciler, which the admin API's exchange counted against too.
    const error = await reconciler.identity.refresh(tokens.refreshToken!).catch((e: unknown) => e);
    expect(isXeroError(error, 'RateLimited'), String(error)).toBe(true);
    expect((error as { code?: string }).code).toBe('cap provider');
  });
});
