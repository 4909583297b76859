import { EventsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { redisTestPrefix } from '@xero-access/testing';
import {
  createLimiterRedis,
  createXeroClient,
  REFRESH_TOKEN_SHA256_ANNOTATION,
  refreshTokenSha256,
  TOKEN_SECRET_KEYS,
  withRefreshTokenSha256,
  type XeroTokenSet,
} from '@xero-access/xero-client';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReconciler, type RunningReconciler } from '../app/bootstrap.js';
import { loadConfig } from '../config/config.js';
import { condition, eventually, until } from '../test/harness.js';
import { metricValue } from '../test/reconciler-process.js';
import { useTestBed } from '../test/test-bed.js';
import { TOKEN_SECRET_OVERWRITTEN } from './overwritten-token-secret.js';
import { readTokenSecret } from './token-secret.js';

describe('a token Secret overwritten by something other than the operator', () => {
  // Spent refresh tokens are refused at once, as Xero refuses them 30 minutes after a rotation.
  const bed = useTestBed({ name: 'overwritten', sandbox: { grantGraceMs: 0 } });
  let first: RunningReconciler | undefined;
  let redis: Redis;

  beforeAll(async () => {
    first = await startReconciler(loadConfig(bed.env()));
    redis = createLimiterRedis(inject('redisUrl'));
  });
  afterAll(async () => {
    await first?.close();
    redis?.disconnect();
  });

  const app = () => bed.sandbox.apps.find((a) => a.kind === 'standard')!;

  async function apply(name: string, refreshToken: string): Promise<void> {
    await bed.createSecret(`${name}-app`, {
      clientId: app().clientId,
      clientSecret: app().clientSecret,
    });
    // As examples/ seeds it: only refresh_token.
    await bed.createSecret(`${name}-tokens`, { refresh_token: refreshToken });
    await bed.createConnection(name, {
      credentialsSecretRef: { name: `${name}-app` },
      tokenSecretRef: { name: `${name}-tokens` },
    });
  }

  const stored = async (name: string) =>
    readTokenSecret(bed.kube.core, bed.namespace, `${name}-tokens`);

  const overwriteWarnings = async (name: string) =>
    (
      await bed.kc.makeApiClient(EventsV1Api).listNamespacedEvent({
        namespace: bed.namespace,
        fieldSelector: `regarding.name=${name}`,
      })
    ).items.filter((e) => e.reason === TOKEN_SECRET_OVERWRITTEN);

  /**
   * Every access token expired, so that the next sync spends the refresh token (on Xero's 401),
   * as the sync after the operator's access token nears its end does.
   */
  async function requestRefreshingSync(name: string): Promise<string> {
    bed.sandbox.expireAccessTokens();
    return bed.requestSync(name);
  }

  /** Requests a sync and waits until it rotated the refresh token it found and is Ready again. */
  async function syncAndRotate(name: string): Promise<string> {
    const before = (await stored(name)).tokens.refreshToken;
    const requested = await requestRefreshingSync(name);
    return eventually(
      async () => {
        const c = await bed.getConnection(name);
        const ready = condition(c, 'Ready')?.status === 'True';
        const synced = Date.parse(c.status?.lastSyncTime ?? '') >= Date.parse(requested);
        const now = (await stored(name)).tokens.refreshToken;
        return ready && synced && now !== before ? now : undefined;
      },
      30_000,
      `${name} synced with a rotated refresh token`,
    );
  }

  /** A person consents in the sandbox: a new grant's token set, as the admin API's callback receives it. */
  async function consent(): Promise<XeroTokenSet> {
    const client = createXeroClient({
      credentials: { clientId: app().clientId, clientSecret: app().clientSecret },
      endpoints: {
        identityUrl: bed.sandbox.identityUrl,
        loginUrl: bed.sandbox.loginUrl,
        apiUrl: bed.sandbox.apiUrl,
      },
      redis,
      keyPrefix: redisTestPrefix('overwritten-consent'),
    });
    const redirectUri = 'http://127.0.0.1:9/connect/callback';
    const start = client.identity.authorizeUrl({ redirectUri });
    const answer = await fetch(`${start.url}&sandbox_auto_consent=true`, { redirect: 'manual' });
    const code = new URL(answer.headers.get('location')!).searchParams.get('code')!;
    return client.identity.exchangeCode(code, redirectUri, start.codeVerifier);
  }

  it('records the digest of each refresh token it writes, and its own rotations warn of nothing', async () => {
    const seed = bed.sandbox.grants[0]!.refreshToken!;
    await apply('rotated', seed);
    await bed.waitForReady('rotated', 'True');
    const { secret, tokens } = await stored('rotated');
    expect(tokens.refreshToken).not.toBe(seed);
    expect(secret.metadata?.annotations?.[REFRESH_TOKEN_SHA256_ANNOTATION]).toBe(
      refreshTokenSha256(tokens.refreshToken),
    );

    const again = await syncAndRotate('rotated');
    expect((await stored('rotated')).secret.metadata?.annotations).toMatchObject({
      [REFRESH_TOKEN_SHA256_ANNOTATION]: refreshTokenSha256(again),
    });
    expect(await overwriteWarnings('rotated')).toEqual([]);
  });

  it('a new consent written by the admin API warns of nothing, and its refresh token is spent', async () => {
    const earlier = await consent();
    await apply('consented', earlier.refreshToken!);
    await bed.waitForReady('consented', 'True');
    const rotated = (await stored('consented')).tokens.refreshToken;

    // What the admin API's callback writes: every token key replaced, the digest through the
    // shared helper (apps/admin-api/src/connect/token-secret.ts).
    const fresh = await consent();
    const { secret } = await stored('consented');
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    const data = {
      [TOKEN_SECRET_KEYS.accessToken]: b64(fresh.accessToken),
      [TOKEN_SECRET_KEYS.refreshToken]: b64(fresh.refreshToken!),
      [TOKEN_SECRET_KEYS.expiresAt]: b64(fresh.expiresAt.toISOString()),
      [TOKEN_SECRET_KEYS.scope]: b64(fresh.scopes.join(' ')),
    };
    await bed.kube.core.replaceNamespacedSecret({
      namespace: bed.namespace,
      name: 'consented-tokens',
      body: {
        ...secret,
        metadata: {
          ...secret.metadata,
          annotations: withRefreshTokenSha256(secret.metadata?.annotations, data),
        },
        data,
      },
    });

    const after = await syncAndRotate('consented');
    expect([rotated, fresh.refreshToken]).not.toContain(after);
    expect(await overwriteWarnings('consented')).toEqual([]);
  });

  it('an older token put back (kubectl apply, a GitOps self-heal): a Warning Event before it is spent, and a condition saying why Xero refused it', async () => {
    const seed = bed.sandbox.grants[0]!.refreshToken!;
    const rotated = (await stored('rotated')).tokens.refreshToken;
    // Xero's answer to the seed's first use is shared through Redis for two minutes; the
    // operator's access token lasts 30, so an overwritten token is spent long after. A reconciler
    // with a Redis of its own stands for that later time.
    await first!.close();
    first = undefined;

    // `kubectl apply` of the example manifest again: a patch of refresh_token alone, so the
    // operator's access_token, expires_at and annotations stay.
    await bed.kube.core.patchNamespacedSecret(
      {
        namespace: bed.namespace,
        name: 'rotated-tokens',
        body: { stringData: { refresh_token: seed } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const later = await bed.startReconciler({
      REDIS_KEY_PREFIX: `${bed.env().REDIS_KEY_PREFIX}-later`,
    });
    await requestRefreshingSync('rotated');

    const refused = await bed.waitForReady('rotated', 'False', 'ReauthorizationRequired');
    const authenticated = condition(refused, 'Authenticated')!;
    expect(authenticated.reason).toBe('ReauthorizationRequired');
    expect(authenticated.message).toContain(
      `Xero refused the refresh token of Secret ${bed.namespace}/rotated-tokens (spec.tokenSecretRef) (invalid_grant)`,
    );
    expect(authenticated.message).toContain(
      'the Secret was overwritten by something other than the operator',
    );
    expect(authenticated.message).toMatch(/kubectl apply.*Argo CD or Flux self-healing/);
    expect(authenticated.message).toContain('reconnect (authorize again)');

    const warnings = await overwriteWarnings('rotated');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ type: 'Warning', action: 'Authenticate' });
    expect(warnings[0]!.note).toContain(
      `Secret ${bed.namespace}/rotated-tokens (spec.tokenSecretRef) holds a refresh token the operator did not write`,
    );
    for (const text of [authenticated.message, warnings[0]!.note!]) {
      expect(text).not.toContain(seed);
      expect(text).not.toContain(rotated);
    }
    // Once per overwrite, not at every retry.
    const refusals = async () =>
      metricValue(
        await (await fetch(`${later.url}/metrics`)).text(),
        'xao_reconcile_errors_total{',
        'reason="ReauthorizationRequired"',
      );
    await until(async () => (await refusals()) >= 2, 20_000);
    expect(await overwriteWarnings('rotated')).toHaveLength(1);
  });
});
