/** A TCP proxy that cuts a path to a server and restores it (tests, and the chaos suite's outages). */
import { connect as connectTcp, createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** Destroys every open connection and, until `restore`, every new one as soon as it is accepted. */
  cut(): Promise<void>;
  /** Forwards new connections again. */
  restore(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /**
   * Called for each connection; what it returns sees every chunk the client sends, in order (the bench
   * counts SQL statements so).
   */
  watchClient?: () => (chunk: Buffer) => void;
}

/**
 * A plain TCP forwarder to `targetHost:targetPort`, to make a server (a database, the Pub/Sub emulator)
 * unreachable and reachable again while it keeps running. A cut keeps the port: connections are accepted
 * and dropped at once, so a client sees its connection reset, as when a network path breaks.
 */
export async function startTcpProxy(
  targetHost: string,
  targetPort: number,
  options: TcpProxyOptions = {},
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let cutOff = false;
  const server = createTcpServer((client) => {
    if (cutOff) {
      client.destroy();
      return;
    }
    const upstream = connectTcp({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (options.watchClient) client.on('data', options.watchClient());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    async cut() {
      cutOff = true;
      destroyAll();
      // Let the peers' sockets see the close before the caller goes on.
      await new Promise((resolve) => setImmediate(resolve));
    },
    restore() {
      cutOff = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        cutOff = true;
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
