import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { Harness } from './harness.js';

/** What the flow helpers need of an API: a harness, or a running server (see `callServer`). */
export type FlowApi = Pick<Harness, 'call'> & { tokens: { admin: string } };

/** Starts a flow for `namespace/name` and returns the URL the admin is sent to. */
export async function startFlow(api: FlowApi, connection: string): Promise<URL> {
  const started = await api.call('POST', `/connections/${connection}/connect`, {
    token: api.tokens.admin,
  });
  expect(started.statusCode, started.body).toBe(200);
  expect(started.body).not.toMatch(/verifier/i);
  return new URL(started.json().authorizeUrl);
}

/** Starts a flow, consents at the sandbox and returns the callback's query string. */
export async function consent(api: FlowApi, connection: string): Promise<string> {
  const authorizeUrl = await startFlow(api, connection);
  authorizeUrl.searchParams.set('sandbox_auto_consent', 'true');
  const redirect = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  return new URL(redirect.headers.get('location')!).search;
}

/** `Harness['call']` over HTTP, for an API started with startServer. */
export function callServer(base: string): Harness['call'] {
  return async (method, url, options = {}) => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    });
    const body = await response.text();
    return {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      body,
      json: () => JSON.parse(body),
    };
  };
}

/** `kc` reaching its API server through a loopback port (e.g. a latePort the test can close). */
export function kubeConfigThrough(kc: KubeConfig, port: number): KubeConfig {
  const through = new KubeConfig();
  through.loadFromOptions({
    clusters: kc.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${port}` })),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return through;
}
