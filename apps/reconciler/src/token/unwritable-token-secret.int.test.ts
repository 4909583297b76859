import { CoreV1Api } from '@kubernetes/client-node';
import type { XeroConnection } from '@xero-access/crd';
import { redisTestPrefix } from '@xero-access/testing';
import { createXeroClient } from '@xero-access/xero-client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { impersonateWithRole } from '../test/impersonation.js';
import { useSandboxFixture } from '../test/sandbox-fixture.js';
import { TokenManager } from './token-manager.js';
import { readTokenSecret } from './token-secret.js';
import {
  TOKEN_SECRET_NOT_WRITABLE,
  TokenSecretNotWritableError,
} from './unwritable-token-secret.js';

describe('token manager: a reconciler whose RBAC lost update on secrets', () => {
  const user = 'read-only-reconciler';
  const env = useSandboxFixture({ namespace: 'unwritable-rbac' });

  /** The chart's Role on secrets without `update` (a chart edited, an older Role left behind). */
  async function withoutUpdate(): Promise<CoreV1Api> {
    const narrow = await impersonateWithRole(env.kc, env.namespace, user, [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
    ]);
    return narrow.makeApiClient(CoreV1Api);
  }

  it('refuses to refresh, naming the Secret and the missing right; the token stays unspent for a reconciler that may write', async () => {
    const { sandbox, redis, namespace, core: admin } = env;
    const seeded = sandbox.grants[0]!.refreshToken!;
    await admin.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'acme-xero-tokens' }, stringData: { refresh_token: seeded } },
    });
    const app = sandbox.apps.find((a) => a.clientId === sandbox.grants[0]!.clientId)!;
    const client = createXeroClient({
      credentials: { clientId: app.clientId, clientSecret: app.clientSecret },
      endpoints: { identityUrl: sandbox.identityUrl, apiUrl: sandbox.apiUrl },
      redis,
      keyPrefix: redisTestPrefix('unwritable-rbac'),
    });
    const connection = {
      metadata: { namespace, name: 'acme' },
      spec: {
        credentialsSecretRef: { name: 'acme-xero-app' },
        tokenSecretRef: { name: 'acme-xero-tokens' },
      },
    } as unknown as XeroConnection;
    const logger = createLogger('silent');

    const narrow = new TokenManager({
      core: await withoutUpdate(),
      refreshAheadMs: 60_000,
      logger,
    });
    const refused = await narrow.accessToken(connection, client).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TokenSecretNotWritableError);
    const { message, reason, transient } = refused as TokenSecretNotWritableError;
    expect({ reason, transient }).toEqual({ reason: TOKEN_SECRET_NOT_WRITABLE, transient: false });
    expect(message).toBe(
      `Secret ${namespace}/acme-xero-tokens (spec.tokenSecretRef): the reconciler may not write the rotated tokens into it, so it did not refresh: ` +
        `a dry run of the write-back was refused (HTTP 403: secrets "acme-xero-tokens" is forbidden: User "${user}" cannot update resource "secrets" in API group "" in the namespace "${namespace}"); ` +
        "the reconciler's RBAC lacks update on secrets in this namespace: reinstall the chart (its Role grants get, list, watch and update on secrets) and check that watchNamespaces lists this namespace. " +
        'Its refresh token has not been used and stays valid: once the update is allowed, the next retry refreshes and stores the rotated set, with no new consent.',
    );
    expect(sandbox.stats().tokenCalls.refresh_token).toBe(0);

    // The chart's rights back: the same, never spent, refresh token rotates once and is stored.
    const manager = new TokenManager({ core: admin, refreshAheadMs: 60_000, logger });
    await expect(manager.accessToken(connection, client)).resolves.toMatchObject({ fresh: true });
    const stats = sandbox.stats();
    expect(stats.refreshRotations).toBe(1);
    expect(stats.refreshGraceReplays).toBe(0);
    expect(stats.tokenErrors).toEqual({});
    const { tokens } = await readTokenSecret(admin, namespace, 'acme-xero-tokens');
    expect(tokens.refreshToken).not.toBe(seeded);
  });
});
