import { CoreV1Api } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import {
  REFRESH_TOKEN_SHA256_ANNOTATION,
  refreshTokenSha256,
  type XeroTokenSet,
} from '@xero-access/xero-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { persistTokenSet, readTokenSecret, ROTATED_AT_ANNOTATION } from './token-secret.js';

const tokens = (refreshToken: string): XeroTokenSet => ({
  accessToken: `access-${refreshToken}`,
  refreshToken,
  idToken: null,
  tokenType: 'Bearer',
  scopes: [],
  expiresAt: new Date('2030-01-01T00:00:00Z'),
});

const TENANT = '7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01';

const text = (data: Record<string, string> | undefined, key: string): string =>
  Buffer.from(data![key]!, 'base64').toString();

describe('the token Secret', () => {
  let core: CoreV1Api;
  let namespace: string;

  beforeAll(async () => {
    const kc = testKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    namespace = await createTestNamespace(kc, 'tokens');
  });

  it('reads a pre-filled (Mage-style) token set and names the Secret and key when one is missing', async () => {
    // In Unix seconds, 10 minutes ahead: no further than an access token lasts.
    const expiresAtSeconds = Math.floor(Date.now() / 1000) + 600;
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'prefilled' },
        stringData: {
          access_token: 'a',
          refresh_token: 'r',
          id_token: 'i',
          tenant_id: TENANT,
          expires_at: String(expiresAtSeconds),
        },
      },
    });
    const { tokens: stored } = await readTokenSecret(core, namespace, 'prefilled');
    expect(stored).toMatchObject({
      refreshToken: 'r',
      accessToken: 'a',
      expiresAt: new Date(expiresAtSeconds * 1000),
      tenantId: TENANT,
    });

    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'empty' }, stringData: { access_token: 'a' } },
    });
    await expect(readTokenSecret(core, namespace, 'empty')).rejects.toMatchObject({
      reason: 'InvalidSpec',
      message: expect.stringContaining(
        `Secret ${namespace}/empty (spec.tokenSecretRef): key refresh_token is missing`,
      ),
    });
    await expect(readTokenSecret(core, namespace, 'absent')).rejects.toMatchObject({
      reason: 'InvalidSpec',
    });
  });

  it('a write-back keeps tenant_id and every key it does not know', async () => {
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'mage' },
        stringData: {
          access_token: 'a0',
          refresh_token: 'r0',
          id_token: 'i0',
          tenant_id: TENANT,
          organisation_name: 'Acme Finance Ltd',
        },
      },
    });
    const { secret } = await readTokenSecret(core, namespace, 'mage');
    await persistTokenSet(core, namespace, secret, 'r0', tokens('r1'));
    const { secret: stored, tokens: reread } = await readTokenSecret(core, namespace, 'mage');
    expect(reread).toMatchObject({
      refreshToken: 'r1',
      accessToken: 'access-r1',
      tenantId: TENANT,
    });
    expect(Object.keys(stored.data!).sort()).toEqual([
      'access_token',
      'expires_at',
      'id_token',
      'organisation_name',
      'refresh_token',
      'tenant_id',
    ]);
    expect(text(stored.data, 'tenant_id')).toBe(TENANT);
    expect(text(stored.data, 'organisation_name')).toBe('Acme Finance Ltd');
    // The rotated set had no id token: the pre-filled one stays.
    expect(text(stored.data, 'id_token')).toBe('i0');
    // The refresh token it wrote is named by its digest (never itself), so an overwrite shows.
    expect(stored.metadata?.annotations?.[REFRESH_TOKEN_SHA256_ANNOTATION]).toBe(
      refreshTokenSha256('r1'),
    );
    expect(reread.overwritten).toBe(false);
  });

  it('writes a rotated set with optimistic concurrency: a stale read is re-read, not blindly overwritten', async () => {
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'rotating' },
        stringData: { refresh_token: 'r0', tenant_id: TENANT },
      },
    });
    const { secret: stale } = await readTokenSecret(core, namespace, 'rotating');
    // Someone else changes the Secret after our read (a label here): our resourceVersion is stale.
    await core.patchNamespacedSecret({
      namespace,
      name: 'rotating',
      body: [{ op: 'add', path: '/metadata/labels', value: { touched: 'yes' } }],
    });
    const { secret: written, superseded } = await persistTokenSet(
      core,
      namespace,
      stale,
      'r0',
      tokens('r1'),
    );
    expect(superseded).toBe(false);
    expect(text(written.data, 'refresh_token')).toBe('r1');
    expect(text(written.data, 'access_token')).toBe('access-r1');
    expect(text(written.data, 'tenant_id')).toBe(TENANT);
    expect(written.metadata?.labels?.touched).toBe('yes');
    expect(written.metadata?.annotations?.[ROTATED_AT_ANNOTATION]).toBeDefined();
  });

  it('a write that lost the race to the same rotation leaves the Secret as the winner wrote it', async () => {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'raced' }, stringData: { refresh_token: 'r0' } },
    });
    const { secret: stale } = await readTokenSecret(core, namespace, 'raced');
    const { secret: winner } = await persistTokenSet(core, namespace, stale, 'r0', tokens('r1'));
    const { secret: loser } = await persistTokenSet(core, namespace, stale, 'r0', tokens('r1'));
    expect(loser.metadata?.resourceVersion).toBe(winner.metadata?.resourceVersion);
    expect(text(loser.data, 'refresh_token')).toBe('r1');
  });

  it('a new consent stored while a refresh of the earlier grant was in flight is not overwritten', async () => {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'reconsented' }, stringData: { refresh_token: 'r0' } },
    });
    const { secret: stale } = await readTokenSecret(core, namespace, 'reconsented');
    // The admin API's callback stores the new consent's tokens after our read.
    await core.replaceNamespacedSecret({
      namespace,
      name: 'reconsented',
      body: {
        ...stale,
        data: {
          refresh_token: Buffer.from('consent-2').toString('base64'),
          access_token: Buffer.from('access-consent-2').toString('base64'),
        },
      },
    });
    const outcome = await persistTokenSet(core, namespace, stale, 'r0', tokens('r1'));
    expect(outcome.superseded).toBe(true);
    expect(text(outcome.secret.data, 'refresh_token')).toBe('consent-2');
    const { tokens: stored } = await readTokenSecret(core, namespace, 'reconsented');
    expect(stored).toMatchObject({ refreshToken: 'consent-2', accessToken: 'access-consent-2' });
  });
});
