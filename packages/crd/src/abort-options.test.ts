import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortOptions, makeApiClientWithTimeout } from './abort-options.js';

/** How long a call took to fail, and with what. */
async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; tookMs: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (error) {
    return { error, tookMs: Date.now() - started };
  }
  throw new Error('the call was answered');
}

describe('API clients against a server that takes the connection and never answers', () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  const kc = new KubeConfig();

  beforeAll(async () => {
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    kc.loadFromOptions({
      // Plain HTTP: client-node allows it only with skipTLSVerify.
      clusters: [{ name: 'silent', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }],
      contexts: [{ name: 'silent', cluster: 'silent', user: 'u' }],
      currentContext: 'silent',
    });
  });
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it('aborts each request after the timeout, timed from that request', async () => {
    const core = makeApiClientWithTimeout(kc, CoreV1Api, 300);
    for (let call = 0; call < 2; call++) {
      const { error, tookMs } = await failure(() =>
        core.readNamespacedSecret({ namespace: 'finance', name: 'acme' }),
      );
      expect((error as Error).name).toBe('AbortError');
      expect(tookMs).toBeGreaterThanOrEqual(250);
      expect(tookMs).toBeLessThan(3_000);
    }
  });

  it("aborts at a call's own signal when it comes before the timeout", async () => {
    const core = makeApiClientWithTimeout(kc, CoreV1Api, 10_000);
    const { error, tookMs } = await failure(() =>
      core.readNamespacedSecret(
        { namespace: 'finance', name: 'acme' },
        abortOptions(AbortSignal.timeout(200)),
      ),
    );
    expect((error as Error).name).toBe('AbortError');
    expect(tookMs).toBeLessThan(3_000);
  });

  it('keeps the timeout when a call brings a signal that does not abort', async () => {
    const core = makeApiClientWithTimeout(kc, CoreV1Api, 300);
    const { error, tookMs } = await failure(() =>
      core.readNamespacedSecret(
        { namespace: 'finance', name: 'acme' },
        abortOptions(new AbortController().signal),
      ),
    );
    expect((error as Error).name).toBe('AbortError');
    expect(tookMs).toBeLessThan(3_000);
  });
});
