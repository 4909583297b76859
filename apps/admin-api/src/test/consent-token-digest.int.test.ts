import { CoreV1Api } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import {
  REFRESH_TOKEN_SHA256_ANNOTATION,
  refreshTokenSha256,
  withRefreshTokenSha256,
  type XeroTokenSet,
} from '@xero-access/xero-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTokenSecret } from '../connect/token-secret.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const consent = (refreshToken: string): XeroTokenSet => ({
  accessToken: `access-${refreshToken}`,
  refreshToken,
  idToken: null,
  tokenType: 'Bearer',
  scopes: ['offline_access', 'accounting.settings.read'],
  expiresAt: new Date(Date.now() + 30 * 60_000),
});

/**
 * The reconciler takes a refresh token that the digest annotation does not name for an overwrite
 * (kubectl apply, a GitOps self-heal) and warns: a consent must name its own token there.
 */
describe("a consent's token set names its refresh token in the token Secret's digest annotation", () => {
  let core: CoreV1Api;
  let namespace: string;

  beforeAll(async () => {
    const kc = testKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    namespace = await createTestNamespace(kc, 'api-consent-digest');
  });

  it('over the digest of the rotation the reconciler wrote last', async () => {
    const rotated = { refresh_token: b64('rotated-by-the-reconciler'), access_token: b64('a') };
    const rotatedAt = 'xeroaccess.dev/refresh-token-rotated-at';
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: 'rotated-tokens',
          annotations: withRefreshTokenSha256({ [rotatedAt]: '2026-01-01T00:00:00.000Z' }, rotated),
        },
        data: rotated,
      },
    });
    await writeTokenSecret(core, namespace, 'rotated-tokens', consent('consent-2'));

    const secret = await core.readNamespacedSecret({ namespace, name: 'rotated-tokens' });
    expect(secret.metadata?.annotations).toMatchObject({
      [REFRESH_TOKEN_SHA256_ANNOTATION]: refreshTokenSha256('consent-2'),
      [rotatedAt]: '2026-01-01T00:00:00.000Z',
    });
  });

  it('in a token Secret the consent creates', async () => {
    await writeTokenSecret(core, namespace, 'new-tokens', consent('consent-1'));
    const secret = await core.readNamespacedSecret({ namespace, name: 'new-tokens' });
    expect(secret.metadata?.annotations?.[REFRESH_TOKEN_SHA256_ANNOTATION]).toBe(
      refreshTokenSha256('consent-1'),
    );
  });
});
