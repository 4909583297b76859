import { randomBytes } from 'node:crypto';
import got from 'got';
import { EXAMPLE_IDS, startSandbox, type Sandbox } from '@xero-access/xero-sandbox';
import { type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createXeroClient, type XeroClient } from '../client.js';
import { isXeroError } from '../errors.js';
import { createLimiterRedis } from '../redis.js';
import { endpointsOf } from '../test/sandbox-fixture.js';

const redisUrl = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redirectUri = 'http://127.0.0.1:9/callback';

describe('OAuth flows against the sandbox (built-in example organisations)', () => {
  let sandbox: Sandbox;
  let redis: Redis;
  let standard: XeroClient;
  let custom: XeroClient;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    redis = createLimiterRedis(redisUrl);
    const keyPrefix = `oauth-${randomBytes(4).toString('hex')}`;
    const [app, customApp] = sandbox.apps;
    const make = (a: typeof app) =>
      createXeroClient({
        credentials: { clientId: a!.clientId, clientSecret: a!.clientSecret },
        endpoints: endpointsOf(sandbox),
        redis,
        keyPrefix,
      });
    standard = make(app);
    custom = make(customApp);
  });

  afterAll(async () => {
    redis.disconnect();
    await sandbox.close();
  });

  /** Follows the authorize URL as a browser would, with the sandbox's automatic consent. */
  async function authorize(url: string): Promise<URL> {
    const response = await got(`${url}&sandbox_auto_consent=true`, {
      followRedirect: false,
      throwHttpErrors: false,
    });
    expect(response.statusCode).toBe(302);
    return new URL(response.headers.location!);
  }

  it('authorization code with PKCE: consent, code exchange, connections', async () => {
    const start = standard.identity.authorizeUrl({ redirectUri });
    const callback = await authorize(start.url);
    expect(callback.searchParams.get('state')).toBe(start.state);
    const code = callback.searchParams.get('code')!;
    const tokens = await standard.identity.exchangeCode(code, redirectUri, start.codeVerifier);
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.idToken?.split('.')).toHaveLength(3);
    expect(tokens.scopes).toContain('accounting.settings.read');
    expect(tokens.expiresAt.getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    const connections = await standard.accounting.getConnections(tokens.accessToken);
    expect(connections.map((c) => c.tenantId)).toContain(EXAMPLE_IDS.acmeTenantId);
    // A code is spent once.
    const again = await standard.identity
      .exchangeCode(code, redirectUri, start.codeVerifier)
      .catch((e: unknown) => e);
    expect(isXeroError(again, 'ReauthorizationRequired')).toBe(true);
  });

  it('refuses a code exchanged with the wrong PKCE verifier', async () => {
    const start = standard.identity.authorizeUrl({ redirectUri });
    const code = (await authorize(start.url)).searchParams.get('code')!;
    const error = await standard.identity
      .exchangeCode(code, redirectUri, 'x'.repeat(64))
      .catch((e: unknown) => e);
    expect(isXeroError(error, 'ReauthorizationRequired')).toBe(true);
  });

  it('client credentials asking for a scope the custom connection lacks: InsufficientPermissions naming the scopes', async () => {
    const asked = ['accounting.settings.read', 'accounting.transactions.read'];
    const error = await custom.identity.clientCredentials(asked).catch((e: unknown) => e);
    expect(isXeroError(error, 'InsufficientPermissions')).toBe(true);
    expect(error).toMatchObject({ code: 'invalid_scope', requiredScopes: asked, transient: false });
    expect((error as Error).message).toContain(asked.join(' '));
    expect((error as Error).message).toContain('spec.scopes');
  });

  it('client credentials (custom connection): a token bound to its one tenant', async () => {
    const tokens = await custom.identity.clientCredentials();
    expect(tokens.refreshToken).toBeNull();
    const organisation = await custom.accounting.getOrganisation(
      tokens.accessToken,
      EXAMPLE_IDS.paymentsTenantId,
    );
    expect(organisation.name).toBe('Acme Payments Pty Ltd');
    const users = await custom.accounting.getUsers(
      tokens.accessToken,
      EXAMPLE_IDS.paymentsTenantId,
    );
    expect(users).toHaveLength(3);
  });
});
