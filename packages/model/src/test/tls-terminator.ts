import { connect, createServer, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** PostgreSQL's SSLRequest: length 8, then the code 80877103. */
const SSL_REQUEST_CODE = 80877103;

export interface TlsTerminator {
  /** `target` with its host and port replaced by this listener's (user, password and path kept). */
  readonly url: string;
  /** TLS handshakes completed so far. */
  readonly handshakes: number;
  close(): Promise<void>;
}

/**
 * A loopback listener that speaks PostgreSQL's TLS upgrade with `server`'s key and certificate
 * (PEM) and forwards the decrypted stream to `target` over plain TCP, as a TLS-terminating proxy in
 * front of a managed PostgreSQL does. The shared test server's certificate is not a test's to
 * replace.
 */
export async function tlsTerminator(
  target: string,
  server: { key: string; cert: string },
): Promise<TlsTerminator> {
  const to = new URL(target);
  let handshakes = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  };
  const listener = createServer((client) => {
    track(client);
    let request = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      request = Buffer.concat([request, chunk]);
      if (request.length < 8) return;
      client.off('data', onData);
      if (request.length !== 8 || request.readInt32BE(4) !== SSL_REQUEST_CODE) {
        client.destroy();
        return;
      }
      client.write('S');
      const secure = new TLSSocket(client, { isServer: true, ...server });
      const upstream = connect(Number(to.port || 5432), to.hostname);
      track(secure);
      track(upstream);
      secure.on('secure', () => (handshakes += 1));
      secure.on('close', () => upstream.destroy());
      upstream.on('close', () => secure.destroy());
      secure.pipe(upstream).pipe(secure);
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', resolve);
  });
  const address = listener.address();
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(typeof address === 'object' && address ? address.port : 0);
  return {
    url: url.toString(),
    get handshakes() {
      return handshakes;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}
