import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApiClientWithTimeout } from './abort-options.js';
import { UserAgentKubeConfig } from './user-agent.js';

const USER_AGENT = 'xero-access-test/1.2.3';

describe('UserAgentKubeConfig', () => {
  const seen: { path: string; userAgent?: string; authorization?: string }[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    seen.push({
      path: request.url ?? '',
      userAgent: request.headers['user-agent'],
      authorization: request.headers.authorization,
    });
    response.setHeader('content-type', 'application/json');
    // A watch's stream ends at once; every other call gets an empty object.
    response.end(request.url?.includes('watch=true') ? '' : '{}');
  });
  const kc = new UserAgentKubeConfig(USER_AGENT);

  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    kc.loadFromOptions({
      // Plain HTTP: client-node allows it only with skipTLSVerify.
      clusters: [{ name: 'local', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'the-token' }],
      contexts: [{ name: 'local', cluster: 'local', user: 'u' }],
      currentContext: 'local',
    });
  });
  afterAll(() => server.close());

  const last = () => seen[seen.length - 1]!;

  it('sends its User-Agent, and still the credentials, on calls of API clients made from it', async () => {
    await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: 'finance', name: 'acme' });
    expect(last()).toEqual({
      path: '/api/v1/namespaces/finance/secrets/acme',
      userAgent: USER_AGENT,
      authorization: 'Bearer the-token',
    });

    await makeApiClientWithTimeout(kc, CustomObjectsApi, 5_000).patchNamespacedCustomObjectStatus({
      group: 'xeroaccess.dev',
      version: 'v1alpha1',
      namespace: 'finance',
      plural: 'xeroconnections',
      name: 'acme',
      body: { status: {} },
    });
    expect(last()).toMatchObject({ userAgent: USER_AGENT, authorization: 'Bearer the-token' });
  });

  it('sends it on a watch, which builds its request from the KubeConfig itself', async () => {
    const ended = new Promise((resolve) => {
      void new Watch(kc).watch('/api/v1/secrets', {}, () => undefined, resolve);
    });
    await ended;
    expect(last()).toMatchObject({
      path: '/api/v1/secrets?watch=true',
      userAgent: USER_AGENT,
      authorization: 'Bearer the-token',
    });
  });
});
