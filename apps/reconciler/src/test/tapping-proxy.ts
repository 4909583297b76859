import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TappingProxy {
  /** The target URL, through this proxy (same path). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of `target`: `onRequest` sees each request as it arrives, before
 * it is forwarded, so a test can act while that call is in flight (e.g. lose leadership). When it
 * returns `'hold'` the request is neither forwarded nor answered, as by a server that hangs, until
 * the client gives up or the proxy closes.
 */
export async function tappingProxy(
  target: string,
  onRequest: (request: IncomingMessage) => void | 'hold',
): Promise<TappingProxy> {
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    if (onRequest(incoming) === 'hold') return;
    const forwarded = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const proxied = new URL(target);
  proxied.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: proxied.href,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
