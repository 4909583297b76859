import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './private-redis.js';

/** A loopback port that forwards to a real server only once opened: a database that comes up late. */
export interface LatePort {
  readonly port: number;
  /** `target` with its host and port replaced by this port's (user, password and path kept). */
  readonly url: string;
  /** Starts forwarding; until then connections are refused. */
  open(): Promise<void>;
  /** Stops listening and drops the forwarded connections. */
  close(): Promise<void>;
}

/** A free loopback port that will forward to `target` (e.g. a PostgreSQL URL) when opened. */
export async function latePort(target: string): Promise<LatePort> {
  const to = new URL(target);
  const port = await freePort();
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    port,
    url: url.toString(),
    open: () =>
      new Promise<void>((resolve, reject) => {
        server = createServer((client) => {
          const upstream = connect(Number(to.port || 5432), to.hostname);
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('error', () => s.destroy());
            s.on('close', () => sockets.delete(s));
          }
          client.pipe(upstream).pipe(client);
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    },
  };
}
