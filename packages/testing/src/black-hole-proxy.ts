import { connect, createServer, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A loopback TCP proxy that can be black-holed: bytes stop flowing both ways, connections stay
 * open and new ones are accepted but never answered, as when a network path dies without a
 * reset (a partition, a lost conntrack entry, an API server that stopped answering).
 */
export interface BlackHoleProxy {
  /** The same cluster and credentials, through this proxy (TLS still ends at the API server). */
  readonly kubeConfig: KubeConfig;
  blackHole(): void;
  close(): Promise<void>;
}

/** A black-hole proxy in front of the API server of `kc`'s current cluster. */
export async function blackHoleProxy(kc: KubeConfig): Promise<BlackHoleProxy> {
  const target = new URL(kc.getCurrentCluster()!.server);
  let blackHoled = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  };
  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk) => {
      if (!blackHoled) to.write(chunk);
    });
    from.on('end', () => to.end());
  };
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 443), target.hostname);
    track(client);
    track(upstream);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };

  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    clusters: kc.clusters.map((cluster) =>
      cluster.name === kc.getCurrentCluster()!.name
        ? { ...cluster, server: `https://127.0.0.1:${port}` }
        : cluster,
    ),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return {
    kubeConfig: proxied,
    blackHole: () => {
      blackHoled = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
