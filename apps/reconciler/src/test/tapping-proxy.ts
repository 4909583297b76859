import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import {
  createServer,
  request,
  type ClientRequest,
  type IncomingMessage,
  type RequestOptions,
  type Server,
} from 'node:http';
import { request as tlsRequest, type RequestOptions as TlsRequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * What the proxy does with a request it sees: forward it (nothing returned); forward it once a
 * promise settles (a slow server: the test acts meanwhile); `'hold'` it, neither forwarded nor
 * answered, as by a server that hangs, until the client gives up or the proxy closes; or `'fail'`
 * it, answered 500 without being forwarded (a Kubernetes `Status` body).
 */
export type Tap = (request: IncomingMessage) => void | Promise<unknown> | 'hold' | 'fail';

export interface TappingProxy {
  /** The target URL, through this proxy (same path). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of `target`: `onRequest` sees each request as it arrives, before
 * it is forwarded, so a test can act while that call is in flight (e.g. lose leadership).
 */
export async function tappingProxy(target: string, onRequest: Tap): Promise<TappingProxy> {
  const upstream = new URL(target);
  const server = await listen(onRequest, (options, onAnswer) =>
    request({ ...options, hostname: upstream.hostname, port: upstream.port }, onAnswer),
  );
  const proxied = new URL(target);
  proxied.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: proxied.href, close: () => close(server) };
}

export interface KubeTappingProxy {
  /** A kubeconfig file for the same cluster and credentials, through this proxy (`KUBECONFIG`). */
  readonly kubeconfigPath: string;
  close(): Promise<void>;
}

/**
 * A tapping proxy in front of the API server of `kc`'s current cluster, to fail or hold the
 * Kubernetes calls of a reconciler. It takes plain HTTP on loopback (so it can see each request)
 * and calls the API server with `kc`'s TLS settings and client credentials.
 */
export async function kubeTappingProxy(kc: KubeConfig, onRequest: Tap): Promise<KubeTappingProxy> {
  const cluster = kc.getCurrentCluster()!;
  const upstream = new URL(cluster.server);
  const tls: TlsRequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const server = await listen(onRequest, (options, onAnswer) =>
    tlsRequest(
      {
        ...tls,
        ...options,
        headers: { ...tls.headers, ...options.headers },
        hostname: upstream.hostname,
        port: upstream.port || 443,
      },
      onAnswer,
    ),
  );
  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    // client-node speaks plain HTTP only with skipTLSVerify set.
    clusters: [
      {
        name: cluster.name,
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  const dir = await mkdtemp(join(tmpdir(), 'kube-tapping-proxy-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, proxied.exportConfig(), { mode: 0o600 });
  return {
    kubeconfigPath,
    close: async () => {
      await close(server);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

type Forward = (
  options: RequestOptions,
  onAnswer: (answer: IncomingMessage) => void,
) => ClientRequest;

async function listen(onRequest: Tap, forward: Forward): Promise<Server> {
  const server = createServer((incoming, outgoing) => {
    const action = onRequest(incoming);
    if (action === 'hold') return;
    if (action === 'fail') {
      incoming.resume();
      outgoing.writeHead(500, { 'content-type': 'application/json' });
      outgoing.end(JSON.stringify(INJECTED_FAILURE));
      return;
    }
    const pass = () => {
      const forwarded = forward(
        { method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.on('error', () => outgoing.destroy());
      incoming.pipe(forwarded);
    };
    if (action instanceof Promise) {
      incoming.pause();
      void action.then(pass, pass);
      return;
    }
    pass();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server;
}

const INJECTED_FAILURE = {
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  reason: 'InternalError',
  message: 'failed on purpose by the test proxy',
  code: 500,
};

function close(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
