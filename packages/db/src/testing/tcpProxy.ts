/**
 * A TCP proxy core for tests and benchmarks, with no dependencies: each client
 * connection gets its own upstream connection, and every chunk (and half-close)
 * goes through the `forward` of its connection, which decides when, or whether,
 * it travels on. The bench's delay link (apps/bench, link/proxy.ts) holds chunks
 * for half a round trip; the fault proxy (faultProxy.ts) cuts connections at
 * chosen moments. An error on either side tears both down at once.
 */
import net from 'node:net';

/** 'up': client to server; 'down': server to client. */
export type Direction = 'up' | 'down';

/** One proxied connection: its two sockets, a way to pass bytes on, and a way to break it. */
export interface ProxiedConnection {
  /** numbered from 1 in the order clients connected */
  readonly id: number;
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  /** the socket a chunk travelling `direction` is written to */
  target(direction: Direction): net.Socket;
  /** writes the chunk on (null: the half-close), unless that side is gone */
  deliver(direction: Direction, bytes: Buffer | null): void;
  /** breaks the connection both ways, as a network failure would */
  cut(): void;
}

/** Called with each chunk as read (bytes null: that side ended); passes it on, later, or never. */
export type Forward = (direction: Direction, bytes: Buffer | null) => void;

export interface TcpProxyOptions {
  upstreamHost: string;
  upstreamPort: number;
  /** per new connection, how its chunks travel; default: passed on at once */
  connection?(connection: ProxiedConnection): Forward;
}

export interface TcpProxy {
  port: number;
  /** connections open now */
  readonly open: ReadonlySet<ProxiedConnection>;
  /** breaks every open connection (the proxy keeps accepting new ones) */
  cutAll(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const open = new Set<ProxiedConnection>();
  let connections = 0;

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const upstream = net.connect({ host: options.upstreamHost, port: options.upstreamPort, allowHalfOpen: true, noDelay: true });
    sockets.add(client).add(upstream);
    const connection: ProxiedConnection = {
      id: ++connections,
      client,
      upstream,
      target: (direction) => (direction === 'up' ? upstream : client),
      deliver(direction, bytes) {
        const target = direction === 'up' ? upstream : client;
        if (target.destroyed || target.writableEnded) return;
        if (bytes === null) target.end();
        else target.write(bytes);
      },
      cut() {
        client.destroy();
        upstream.destroy();
      },
    };
    open.add(connection);
    const forward: Forward = options.connection?.(connection) ?? ((direction, bytes) => connection.deliver(direction, bytes));
    client.on('data', (chunk: Buffer) => forward('up', chunk));
    upstream.on('data', (chunk: Buffer) => forward('down', chunk));
    // A half-close travels like data, after the bytes before it.
    client.on('end', () => forward('up', null));
    upstream.on('end', () => forward('down', null));
    const teardown = (socket: net.Socket, other: net.Socket) => {
      socket.on('error', () => other.destroy());
      // A clean close already sent its end marker on: the other side ends after it.
      socket.on('close', (hadError) => {
        sockets.delete(socket);
        if (hadError) other.destroy();
        if (client.destroyed && upstream.destroyed) open.delete(connection);
      });
    };
    teardown(client, upstream);
    teardown(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    open,
    cutAll() {
      for (const connection of open) connection.cut();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
