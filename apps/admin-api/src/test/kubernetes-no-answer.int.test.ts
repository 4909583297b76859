import { blackHoleProxy, type BlackHoleProxy } from '@xero-access/testing';
import type { Sandbox } from '@xero-access/xero-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeGateway } from '../kube/kube.js';
import { consent } from './connect-flow.js';
import { CONNECTION_READS } from './connection-reads.js';
import { connectSetup, sandboxXero } from './connect-setup.js';
import { startHarness, type Harness } from './harness.js';

/** The gateway's timeout here; the answer comes a little after it, never without it. */
const TIMEOUT_MS = 2_000;
/** What a request may take besides the timeout on a loaded machine. */
const SLACK_MS = 3_000;

/**
 * An API server that takes the connection and never answers (a black-holed TCP proxy in front of
 * the local one): every Kubernetes call gives up after the gateway's timeout, answered as an
 * unreachable API server is. Without a timeout these requests would never be answered.
 */
describe('a Kubernetes API that takes the connection but never answers', () => {
  let sandbox: Sandbox;
  let proxy: BlackHoleProxy;
  let gateway: KubeGateway;
  let namespace: string;
  let h: Harness;

  beforeAll(async () => {
    const setup = await connectSetup('api-kube-no-answer');
    ({ sandbox, namespace } = setup);
    await setup.connectionWithTokens('acme', { refresh_token: 'earlier' });
    proxy = await blackHoleProxy(setup.kc);
    gateway = new KubeGateway(proxy.kubeConfig, [namespace], TIMEOUT_MS);
    h = await startHarness('sqlite', {
      kube: gateway,
      config: { xero: sandboxXero(sandbox) },
    });
    await h.model.db.connections.upsert({ namespace, name: 'acme' }, { userCount: 3 });
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
    await sandbox?.close();
  });

  /** The request's answer, which comes once the gateway's timeout has passed, and soon after. */
  async function afterTimeout<T>(request: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const answer = await request();
    const tookMs = Date.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(tookMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    return answer;
  }

  it('answers the callback 503 when the token Secret preflight gets no answer, without spending the code', async () => {
    const search = await consent(h, `${namespace}/acme`);
    const exchanges = sandbox.stats().tokenCalls.authorization_code;
    // The XeroConnection and its credentials are read; then the API server stops answering.
    const read = gateway.core.readNamespacedSecret;
    gateway.core.readNamespacedSecret = async (param, options) => {
      if (param.name === 'acme-tokens') proxy.blackHole();
      return read.call(gateway.core, param, options);
    };
    const answer = await afterTimeout(() => h.call('GET', `/connect/callback${search}`));
    expect(answer.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: `cannot write the token Secret ${namespace}/acme-tokens: the Kubernetes API is unreachable. Xero's authorization code was not used: reload this page to try again within 5 minutes of consenting, else start the connection again`,
    });
    expect(answer.headers['retry-after']).toBeDefined();
    expect(sandbox.stats().tokenCalls.authorization_code).toBe(exchanges);
  }, 20_000);

  it("lists the database's connections once the listing gets no answer, saying so", async () => {
    proxy.blackHole();
    const answer = await afterTimeout(() =>
      h.call('GET', '/connections', { token: h.tokens.viewer }),
    );
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({
      kubernetes: `unreachable (no answer within ${TIMEOUT_MS / 1000} s)`,
      items: [{ namespace, name: 'acme', userCount: 3, resource: null }],
      nextCursor: null,
    });
  }, 20_000);

  it.each(CONNECTION_READS)(
    'answers $route 503 naming the Kubernetes API once its reads get no answer',
    async ({ method, path, role, read }) => {
      proxy.blackHole();
      const answer = await afterTimeout(() =>
        h.call(method, `/connections/${namespace}/acme${path}`, { token: h.tokens[role] }),
      );
      expect(answer.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: `could not read XeroConnection ${namespace}/acme${read}: the Kubernetes API is unreachable (no answer within ${TIMEOUT_MS / 1000} s); retry in 2 s`,
      });
      expect(answer.headers['retry-after']).toBe('2');
    },
    20_000,
  );
});
