import { KubeConfig, type CoreV1Api } from '@kubernetes/client-node';
import type { Sandbox } from '@xero-access/xero-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeGateway } from '../kube/kube.js';
import { reevaluationKeys } from '@xero-access/model';
import { consent, startFlow } from './connect-flow.js';
import { CONNECTION_READS } from './connection-reads.js';
import { connectSetup, sandboxXero, type ConnectSetup } from './connect-setup.js';
import { startHarness, type Harness } from './harness.js';

const decode = (data: Record<string, string> | undefined, key: string) =>
  Buffer.from(data?.[key] ?? '', 'base64').toString('utf8');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('connect: authorization code flow against the Xero sandbox, and connections from the cluster', () => {
  let sandbox: Sandbox;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let namespace: string;
  /** A XeroConnection of the standard app whose token Secret `<name>-tokens` already holds `tokens`. */
  let connectionWithTokens: ConnectSetup['connectionWithTokens'];
  let gateway: KubeGateway;
  let h: Harness;

  beforeAll(async () => {
    const setup = await connectSetup('api-connect');
    ({ sandbox, kc, core, namespace, connectionWithTokens } = setup);
    await setup.createConnection('acme', {
      tokenSecretRef: { name: 'acme-xero-tokens' },
      criticalSystem: true,
    });
    await setup.createConnection('payments', { authFlow: 'ClientCredentials' });
    gateway = new KubeGateway(kc);
    h = await startHarness('sqlite', { kube: gateway, config: { xero: sandboxXero(sandbox) } });
    await h.model.db.connections.upsert(
      { namespace, name: 'acme' },
      { lastSyncAt: new Date('2026-11-21T00:00:00Z'), userCount: 8 },
    );
  });
  afterAll(async () => {
    await h?.close();
    await sandbox?.close();
  });

  it('lists and shows XeroConnections from the cluster merged with the database', async () => {
    const list = (await h.call('GET', '/connections', { token: h.tokens.viewer })).json();
    expect(list.kubernetes).toBe('connected');
    const acme = list.items.find(
      (c: { namespace: string; name: string }) => c.namespace === namespace && c.name === 'acme',
    );
    expect(acme).toMatchObject({
      userCount: 8,
      lastSyncAt: '2026-11-21T00:00:00.000Z',
      resource: { spec: { tokenSecretRef: { name: 'acme-xero-tokens' } } },
      openFindings: {},
    });
    const payments = (
      await h.call('GET', `/connections/${namespace}/payments`, { token: h.tokens.viewer })
    ).json();
    expect(payments).toMatchObject({
      resource: { spec: { authFlow: 'ClientCredentials' } },
      lastSyncAt: null,
    });
    expect(
      (await h.call('GET', `/connections/${namespace}/missing`, { token: h.tokens.viewer }))
        .statusCode,
    ).toBe(404);
  });

  it('starts the flow with PKCE S256 and a signed state, keeping the verifier server-side', async () => {
    const authorizeUrl = await startFlow(h, `${namespace}/acme`);
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(
      `${sandbox.loginUrl}/identity/connect/authorize`,
    );
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(
      'http://127.0.0.1:8080/connect/callback',
    );
    expect(authorizeUrl.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('refuses to start a flow for a client-credentials connection or a missing one', async () => {
    expect(
      (
        await h.call('POST', `/connections/${namespace}/payments/connect`, {
          token: h.tokens.admin,
        })
      ).statusCode,
    ).toBe(409);
    expect(
      (await h.call('POST', `/connections/${namespace}/missing/connect`, { token: h.tokens.admin }))
        .statusCode,
    ).toBe(404);
  });

  it('on the callback exchanges the code and writes the token set into the token Secret, once', async () => {
    const authorizeUrl = await startFlow(h, `${namespace}/acme`);
    authorizeUrl.searchParams.set('sandbox_auto_consent', 'true');
    const consent = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe(authorizeUrl.searchParams.get('state'));
    const callback = await h.call('GET', `/connect/callback${back.search}`);
    expect(callback.statusCode, callback.body).toBe(200);
    expect(callback.json()).toMatchObject({
      connected: true,
      connection: `${namespace}/acme`,
      tokenSecret: 'acme-xero-tokens',
      refreshToken: true,
    });
    expect(callback.body).not.toContain(back.searchParams.get('code')!);

    const secret = await core.readNamespacedSecret({ namespace, name: 'acme-xero-tokens' });
    expect(decode(secret.data, 'refresh_token').length).toBeGreaterThan(10);
    expect(decode(secret.data, 'access_token').length).toBeGreaterThan(10);
    expect(new Date(decode(secret.data, 'expires_at')).getTime()).toBeGreaterThan(Date.now());
    expect(callback.body).not.toContain(decode(secret.data, 'refresh_token'));

    expect(await h.redis.smembers(reevaluationKeys(h.prefix).pending)).toContain(
      `${namespace}/acme`,
    );

    const replay = await h.call('GET', `/connect/callback${back.search}`);
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toMatchObject({
      field: 'query.state',
      message: expect.stringMatching(/already used/),
    });
  });

  it('stores the new consent when the Secret changes between its read and its write (409)', async () => {
    await connectionWithTokens('reconsent', {
      refresh_token: 'earlier-grant',
      tenant_id: '6b5e1a7c-3f0d-4c2a-9e8b-1d2f3a4b5c6d',
    });
    // The reconciler writes back a rotation of the earlier grant right after each of the API's
    // first two reads of the token Secret once the code is spent (the first read is the check
    // before the exchange), so the API's replaces meet real 409s from the API server.
    const read = gateway.core.readNamespacedSecret;
    let rotationsToLand = 2;
    let reads = 0;
    gateway.core.readNamespacedSecret = async (param, options) => {
      const secret = await read.call(gateway.core, param, options);
      if (param.name === 'reconsent-tokens' && ++reads > 1 && rotationsToLand > 0) {
        rotationsToLand -= 1;
        await core.replaceNamespacedSecret({
          namespace,
          name: 'reconsent-tokens',
          body: {
            ...secret,
            data: {
              ...secret.data,
              refresh_token: b64(`earlier-grant-rotated-${rotationsToLand}`),
              access_token: b64('earlier-grant-access'),
            },
          },
        });
      }
      return secret;
    };
    try {
      const search = await consent(h, `${namespace}/reconsent`);
      const callback = await h.call('GET', `/connect/callback${search}`);
      expect(callback.statusCode, callback.body).toBe(200);
    } finally {
      gateway.core.readNamespacedSecret = read;
    }
    expect(rotationsToLand).toBe(0);
    const secret = await core.readNamespacedSecret({ namespace, name: 'reconsent-tokens' });
    expect(decode(secret.data, 'refresh_token')).not.toMatch(/^earlier-grant/);
    expect(decode(secret.data, 'access_token')).not.toBe('earlier-grant-access');
    // The pre-filled set's organisation goes with it: this consent may be for another one.
    expect(secret.data?.tenant_id).toBeUndefined();
    // The stored set is the one the consent issued: Xero accepts its refresh token.
    const xeroApp = sandbox.apps.find((a) => a.kind === 'standard')!;
    const refreshed = await fetch(`${sandbox.identityUrl}/connect/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${b64(`${xeroApp.clientId}:${xeroApp.clientSecret}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: decode(secret.data, 'refresh_token'),
      }),
    });
    expect(refreshed.status).toBe(200);
  });

  it.each(CONNECTION_READS)(
    'answers $route 502 naming the permissions when the API server refuses the read',
    async ({ method, path, role, read }) => {
      // An identity the cluster knows nothing about: every read is 403.
      const nobody = new KubeConfig();
      nobody.loadFromOptions({
        clusters: kc.clusters,
        users: kc.users.map((user) => ({ ...user, impersonateUser: 'nobody' })),
        contexts: kc.contexts,
        currentContext: kc.currentContext,
      });
      const refused = await startHarness('sqlite', { kube: new KubeGateway(nobody) });
      try {
        const answer = await refused.call(method, `/connections/${namespace}/acme${path}`, {
          token: refused.tokens[role],
        });
        expect(answer.json()).toEqual({
          statusCode: 502,
          error: 'Bad Gateway',
          message: `could not read XeroConnection ${namespace}/acme${read}: the Kubernetes API answered HTTP 403 (see the admin API's permissions)`,
        });
      } finally {
        await refused.close();
      }
    },
  );

  it('refuses a forged or missing state', async () => {
    const forged = await h.call('GET', '/connect/callback?code=abc&state=eyJub25jZSI6IngifQ.AAAA');
    expect(forged.json()).toMatchObject({
      statusCode: 400,
      field: 'query.state',
      message: 'query.state: has a bad signature',
    });
    expect((await h.call('GET', '/connect/callback?code=abc')).json().field).toBe('query.state');
  });

  it('passes on a refusal at consent as a clear 400', async () => {
    const started = new URL(
      (
        await h.call('POST', `/connections/${namespace}/acme/connect`, { token: h.tokens.admin })
      ).json().authorizeUrl,
    );
    const state = started.searchParams.get('state')!;
    const refused = await h.call(
      'GET',
      `/connect/callback?error=access_denied&state=${encodeURIComponent(state)}`,
    );
    expect(refused.json()).toMatchObject({
      statusCode: 400,
      field: 'query.error',
      message: expect.stringMatching(/access_denied/),
    });
  });

  it('audits the callback (a GET that writes a Secret)', async () => {
    const since = new Date().toISOString();
    await connectionWithTokens('audited', { refresh_token: 'earlier' });
    const search = await consent(h, `${namespace}/audited`);
    expect((await h.call('GET', `/connect/callback${search}`)).statusCode).toBe(200);
    expect((await h.call('GET', `/connect/callback${search}`)).statusCode).toBe(400);
    const query = new URLSearchParams({ action: 'GET /connect/callback', since });
    const log = (await h.call('GET', `/audit-log?${query}`, { token: h.tokens.admin })).json()
      .items as { outcome: string; actor: string }[];
    expect(log.map((e) => e.outcome).sort()).toEqual(['failure', 'success']);
    const success = log.find((e) => e.outcome === 'success');
    expect(success?.actor).toBe('oauth-callback (started by token:test-admin)');
  });
});

describe('connections when the cluster is unreachable', () => {
  let h: Harness;
  beforeAll(async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'gone', server: 'https://127.0.0.1:9', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }],
      contexts: [{ name: 'gone', cluster: 'gone', user: 'u' }],
      currentContext: 'gone',
    });
    h = await startHarness('sqlite', { kube: new KubeGateway(kc) });
    await h.model.db.connections.upsert({ namespace: 'finance', name: 'acme' }, { userCount: 3 });
  });
  afterAll(async () => h?.close());

  it('still lists what the database knows, and says the cluster is unreachable', async () => {
    const response = await h.call('GET', '/connections', { token: h.tokens.viewer });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      kubernetes: expect.stringMatching(/^unreachable/),
      items: [{ namespace: 'finance', name: 'acme', userCount: 3, resource: null }],
    });
  });

  it.each(CONNECTION_READS)(
    'answers $route 503, naming the Kubernetes API',
    async ({ method, path, role, read }) => {
      const answer = await h.call(method, `/connections/finance/acme${path}`, {
        token: h.tokens[role],
      });
      expect(answer.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: `could not read XeroConnection finance/acme${read}: the Kubernetes API is unreachable (ECONNREFUSED); retry in 2 s`,
      });
      expect(answer.headers['retry-after']).toBe('2');
    },
  );
});
