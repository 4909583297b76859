import { randomBytes } from 'node:crypto';
import { type Sandbox, type StartSandboxOptions } from '@xero-access/xero-sandbox';
import { type Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createXeroClient, type XeroClient } from './client.js';
import { credentialsFromSecret } from './credentials.js';
import { isXeroError, type XeroError, type XeroErrorReason } from './errors.js';
import { type XeroLogger } from './logger.js';
import { type XeroTokenSet } from './oauth/schemas.js';
import { createLimiterRedis } from './redis.js';
import { XeroSession } from './session.js';
import { appOf, endpointsOf, grantOf, startTestSandbox } from './test/sandbox-fixture.js';

const redisUrl = process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Everything a person could read: log lines and error messages. Checked for secrets at the end. */
const readable: string[] = [];
const secrets = new Set<string>();
const cleanups: (() => Promise<void> | void)[] = [];

const logger: XeroLogger = {
  debug: (obj, msg) => readable.push(`${msg} ${JSON.stringify(obj)}`),
  info: (obj, msg) => readable.push(`${msg} ${JSON.stringify(obj)}`),
  warn: (obj, msg) => readable.push(`${msg} ${JSON.stringify(obj)}`),
  error: (obj, msg) => readable.push(`${msg} ${JSON.stringify(obj)}`),
};

function remember(tokens: XeroTokenSet): XeroTokenSet {
  for (const value of [tokens.accessToken, tokens.refreshToken, tokens.idToken])
    if (value) secrets.add(value);
  return tokens;
}

interface World {
  sandbox: Sandbox;
  client: XeroClient;
  tenantId: string;
  tokens: XeroTokenSet;
}

/** An authorization-code session over `tokens`, keeping what it refreshes in memory. */
function sessionOver(client: XeroClient, tokens: XeroTokenSet, connectionKey: string) {
  let stored = tokens;
  const session = new XeroSession({
    identity: client.identity,
    refresher: client.refresher,
    connectionKey,
    authFlow: 'AuthorizationCode',
    tokens: { load: async () => stored, persist: async (t) => void (stored = remember(t)) },
  });
  return { session, stored: () => stored };
}

async function world(
  options: Omit<StartSandboxOptions, 'seed'> = {},
  clientSecret?: string,
): Promise<World> {
  const sandbox = await startTestSandbox(1, options);
  const redis: Redis = createLimiterRedis(redisUrl);
  cleanups.push(
    () => sandbox.close(),
    () => redis.disconnect(),
  );
  const app = appOf(sandbox);
  secrets.add(app.clientSecret);
  for (const grant of sandbox.grants) if (grant.refreshToken) secrets.add(grant.refreshToken);
  const client = createXeroClient({
    credentials: { clientId: app.clientId, clientSecret: clientSecret ?? app.clientSecret },
    endpoints: endpointsOf(sandbox),
    redis,
    keyPrefix: `reasons-${randomBytes(4).toString('hex')}`,
    retry: { baseDelayMs: 20, maxDelayMs: 100 },
    logger,
  });
  const tokens = clientSecret
    ? ({} as XeroTokenSet)
    : remember(await client.identity.refresh(grantOf(sandbox).refreshToken));
  return { sandbox, client, tenantId: grantOf(sandbox).tenantIds[0]!, tokens };
}

async function failure(promise: Promise<unknown>, reason: XeroErrorReason): Promise<XeroError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isXeroError(error), `expected a XeroError, got ${String(error)}`).toBe(true);
  const xeroError = error as XeroError;
  readable.push(xeroError.message, JSON.stringify(xeroError), String(xeroError.stack));
  expect(xeroError.reason).toBe(reason);
  return xeroError;
}

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe('every troubleshooting reason, from the sandbox fault that causes it', () => {
  it('InvalidCredentials: the token endpoint says invalid_client', async () => {
    const wrong = await world({}, 'not-the-secret');
    const error = await failure(
      wrong.client.identity.refresh(grantOf(wrong.sandbox).refreshToken),
      'InvalidCredentials',
    );
    expect(error.message).toContain('verify Client ID and Client Secret');
    expect(error.code).toBe('invalid_client');

    const { sandbox, client } = await world();
    sandbox.setFaults({ invalidClient: true });
    await failure(client.identity.clientCredentials(), 'InvalidCredentials');
  });

  it('InvalidCredentials: unauthorized_client says which grant the kind of Xero app may not use', async () => {
    // The right credentials of a Web app, used with authFlow ClientCredentials.
    const { client } = await world();
    const error = await failure(client.identity.clientCredentials(), 'InvalidCredentials');
    expect(error.code).toBe('unauthorized_client');
    expect(error.message).toContain('this Xero app may not use the client_credentials grant');
    expect(error.message).toContain(
      'authFlow ClientCredentials needs a Custom Connection app authorised for the organisation',
    );
    expect(error.message).toContain('authFlow AuthorizationCode needs a Web app');
    expect(error.message).not.toContain('verify Client ID and Client Secret');
  });

  it('ReauthorizationRequired: the refresh token was revoked or expired', async () => {
    const revoked = await world();
    revoked.sandbox.revokeGrant(grantOf(revoked.sandbox).grantId);
    const error = await failure(
      revoked.client.identity.refresh(revoked.tokens.refreshToken!),
      'ReauthorizationRequired',
    );
    expect(error.message).toContain('reconnect (authorize again)');
    expect(error.code).toBe('invalid_grant');

    const expired = await world({ refreshTokenTtlMs: 1_500 });
    await new Promise((r) => setTimeout(r, 1_600));
    await failure(
      expired.client.identity.refresh(expired.tokens.refreshToken!),
      'ReauthorizationRequired',
    );

    // A rotated refresh token after the grace period is spent for good.
    const graceless = await world({ grantGraceMs: 0 });
    await new Promise((r) => setTimeout(r, 5));
    await failure(
      graceless.client.identity.refresh(grantOf(graceless.sandbox).refreshToken),
      'ReauthorizationRequired',
    );
  });

  it('Unauthorized: 401 from the API even after a fresh token', async () => {
    const { sandbox, client, tenantId, tokens } = await world();
    const { session, stored } = sessionOver(client, tokens, 'ns/unauthorized');
    // An expired access token alone is not a problem: the session refreshes and retries.
    sandbox.expireAccessTokens();
    expect(await session.call((token) => client.accounting.getUsers(token, tenantId))).toHaveLength(
      2,
    );
    expect(stored().accessToken).not.toBe(tokens.accessToken);

    sandbox.setFaults({ unauthorized: true });
    const error = await failure(
      session.call((token) => client.accounting.getUsers(token, tenantId)),
      'Unauthorized',
    );
    expect(error.message).toContain('re-authenticate the integration');
  });

  it('InsufficientPermissions: 401 AuthorizationUnsuccessful for a token without accounting.settings.read', async () => {
    const { sandbox, client, tenantId, tokens } = await world();
    const { session } = sessionOver(client, tokens, 'ns/insufficient');
    sandbox.removeScope(grantOf(sandbox).grantId, 'accounting.settings.read');
    const rotations = sandbox.stats().refreshRotations;
    const error = await failure(
      session.call((token) => client.accounting.getUsers(token, tenantId)),
      'InsufficientPermissions',
    );
    expect(error.statusCode).toBe(401);
    expect(error.requiredScopes).toContain('accounting.settings.read');
    expect(error.message).toContain('missing scope accounting.settings.read');
    expect(error.message).toContain('admin access');
    // Not mistaken for a stale token: no forced refresh.
    expect(sandbox.stats().refreshRotations).toBe(rotations);
  });

  it('InsufficientPermissions: a 403 for an organisation still connected says the grant may not reach it, naming no scope', async () => {
    const { sandbox, client, tenantId, tokens } = await world();
    const { session } = sessionOver(client, tokens, 'ns/forbidden');
    sandbox.setFaults({ forbidden: [{ tenantId }] });
    const error = await failure(
      session.call((token) => client.accounting.getUsers(token, tenantId)),
      'InsufficientPermissions',
    );
    expect(error).toMatchObject({ statusCode: 403, tenantId, requiredScopes: undefined });
    expect(error.message).toContain(
      `Xero answered 403 Forbidden to GET Users for tenant ${tenantId}`,
    );
    expect(error.message).toContain('the grant is not authorised for this organisation');
    expect(error.message).toContain('The user who consented lacks access to the organisation');
    expect(error.message).not.toMatch(/scope/i);
  });

  it('TenantDisconnected: the organisation is no longer in /connections', async () => {
    const { sandbox, client, tenantId, tokens } = await world();
    sandbox.disconnectTenant(tenantId);
    const error = await failure(
      client.accounting.getOrganisation(tokens.accessToken, tenantId),
      'TenantDisconnected',
    );
    expect(error.message).toContain('was disconnected');
    await failure(
      client.accounting.assertTenantConnected(tokens.accessToken, tenantId),
      'TenantDisconnected',
    );
  });

  it('RateLimited: a 429 beyond the wait the client accepts names the retry time', async () => {
    const { sandbox, client, tenantId, tokens } = await world();
    sandbox.forceRateLimit('day', 7_200, 1);
    const before = Date.now();
    const error = await failure(
      client.accounting.getUsers(tokens.accessToken, tenantId),
      'RateLimited',
    );
    expect(error.code).toBe('day');
    expect(error.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 7_200_000);
    expect(error.message).toContain(`retrying automatically at ${error.retryAt!.toISOString()}`);
  });

  it('RateLimited within reach: the client pauses until Retry-After and retries by itself', async () => {
    const { sandbox, client, tenantId, tokens } = await world();
    sandbox.forceRateLimit('minute', 1, 1);
    const started = Date.now();
    expect(await client.accounting.getUsers(tokens.accessToken, tenantId)).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sandbox.stats().rateLimited.minute).toBe(1);
  });

  it('InvalidSpec: the credentials Secret is missing a key', () => {
    const error = (() => {
      try {
        credentialsFromSecret('finance/xero-app', {
          clientId: Buffer.from('abc').toString('base64'),
        });
      } catch (e) {
        return e as XeroError;
      }
      throw new Error('expected InvalidSpec');
    })();
    expect(error.reason).toBe('InvalidSpec');
    expect(error.message).toBe('Secret finance/xero-app: key clientSecret is missing.');
  });

  it('Unavailable: 5xx and dropped connections are retried, then reported as transient', async () => {
    const { sandbox, client, tenantId, tokens } = await world();
    sandbox.setFaults({ target: 'api', serverErrors: { count: 2, status: 503 } });
    expect(await client.accounting.getUsers(tokens.accessToken, tenantId)).toHaveLength(2);
    sandbox.setFaults({ target: 'api', dropConnections: 1 });
    expect(await client.accounting.getCurrencies(tokens.accessToken, tenantId)).not.toHaveLength(0);

    sandbox.resetStats();
    sandbox.setFaults({ target: 'api', serverErrors: { count: 50, status: 502 } });
    const error = await failure(
      client.accounting.getUsers(tokens.accessToken, tenantId),
      'Unavailable',
    );
    expect(error.transient).toBe(true);
    expect(sandbox.stats().apiResponses['502']).toBe(4); // the default policy's 4 attempts
  });

  it('InvalidResponse: a body that does not parse names the problem', async () => {
    const { sandbox, client, tenantId, tokens } = await world();
    sandbox.setFaults({ target: 'api', malformedBodies: 1 });
    const error = await failure(
      client.accounting.getUsers(tokens.accessToken, tenantId),
      'InvalidResponse',
    );
    expect(error.message).toMatch(/GET Users is not valid: \(body\): /);
  });

  it('a healthy connection reads users, organisation and currencies as typed values', async () => {
    const { sandbox, client, tenantId, tokens } = await world();
    const users = await client.accounting.getUsers(tokens.accessToken, tenantId);
    expect(users.map((u) => u.organisationRole).sort()).toEqual(['FINANCIALADVISER', 'STANDARD']);
    expect(users[0]!.updatedDateUtc).toBeInstanceOf(Date);
    const one = await client.accounting.getUser(tokens.accessToken, tenantId, users[0]!.userId);
    expect(one?.email).toBe(users[0]!.email);
    expect(
      await client.accounting.getUser(
        tokens.accessToken,
        tenantId,
        '00000000-0000-4000-8000-000000000000',
      ),
    ).toBeNull();
    expect((await client.accounting.getOrganisation(tokens.accessToken, tenantId)).name).toBe(
      'Org 1',
    );
    // Only users changed since a moment come back with If-Modified-Since.
    const since = new Date();
    await new Promise((r) => setTimeout(r, 20));
    sandbox.setUserRole(tenantId, users[0]!.userId, 'READONLY');
    const changed = await client.accounting.getUsers(tokens.accessToken, tenantId, {
      ifModifiedSince: since,
    });
    expect(changed.map((u) => [u.userId, u.organisationRole])).toEqual([
      [users[0]!.userId, 'READONLY'],
    ]);
    const [connection] = await client.accounting.getConnections(tokens.accessToken);
    expect(connection?.tenantId).toBe(tenantId);
    expect(connection?.createdDateUtc).toBeInstanceOf(Date);
  });

  it('no secret (client secret, token) appears in any log line or error message', () => {
    expect(readable.length).toBeGreaterThan(10);
    expect(secrets.size).toBeGreaterThan(5);
    for (const line of readable) {
      for (const secret of secrets)
        expect(line.includes(secret), `secret leaked in: ${line.slice(0, 120)}`).toBe(false);
    }
  });
});
