/**
 * A loopback TCP proxy in front of the PostgreSQL server that reads the
 * client side of the wire protocol and counts, per operation, the round trips
 * (Sync or simple Query: the client waits for the server) and the statements
 * executed (Bind or simple Query), with their SQL text. It needs no server
 * setting (pg_stat_statements is not preloaded here, log_statement would need
 * the server log), and shows exactly what each client library sends.
 */
import net from 'node:net';

export interface WireCounts {
  roundTrips: number;
  statements: number;
  /** statement text (whitespace collapsed, cut at 4000 chars) -> times executed */
  texts: Map<string, number>;
}

export interface WireCounter {
  /** the server URL with host/port replaced by the proxy's */
  url: string;
  reset(): void;
  snapshot(): WireCounts;
  close(): Promise<void>;
}

const SSL_OR_GSS_REQUEST = new Set([80877103, 80877104]);

function cstring(buffer: Buffer, start: number): [string, number] {
  const end = buffer.indexOf(0, start);
  return [buffer.toString('utf8', start, end), end + 1];
}

function normalize(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  return text.length > 4000 ? `${text.slice(0, 3997)}...` : text;
}

export async function startWireCounter(serverUrl: string): Promise<WireCounter> {
  const upstream = new URL(serverUrl);
  let counts: WireCounts = { roundTrips: 0, statements: 0, texts: new Map() };
  const count = (text: string) => {
    counts.statements++;
    const key = normalize(text);
    counts.texts.set(key, (counts.texts.get(key) ?? 0) + 1);
  };
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const server = net.connect(Number(upstream.port || 5432), upstream.hostname);
    sockets.add(client).add(server);
    server.pipe(client);
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());

    let pending = Buffer.alloc(0);
    let startup = true;
    const prepared = new Map<string, string>(); // statement name ('' = unnamed) -> SQL
    client.on('data', (chunk: Buffer) => {
      server.write(chunk);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (startup) {
          // Startup-phase messages have no type byte: length, then a code.
          if (pending.length < 8) return;
          const length = pending.readInt32BE(0);
          if (pending.length < length) return;
          startup = SSL_OR_GSS_REQUEST.has(pending.readInt32BE(4));
          pending = pending.subarray(length);
          continue;
        }
        if (pending.length < 5) return;
        const type = String.fromCharCode(pending[0] as number);
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) return;
        const body = pending.subarray(5, 1 + length);
        pending = pending.subarray(1 + length);
        if (type === 'Q') {
          counts.roundTrips++;
          count(cstring(body, 0)[0]);
        } else if (type === 'P') {
          const [name, next] = cstring(body, 0);
          prepared.set(name, cstring(body, next)[0]);
        } else if (type === 'B') {
          const [, next] = cstring(body, 0); // portal
          count(prepared.get(cstring(body, next)[0]) ?? '(unknown prepared statement)');
        } else if (type === 'S') {
          counts.roundTrips++;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  const proxied = new URL(serverUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(address.port);
  return {
    url: proxied.toString(),
    reset: () => {
      counts = { roundTrips: 0, statements: 0, texts: new Map() };
    },
    snapshot: () => ({ roundTrips: counts.roundTrips, statements: counts.statements, texts: new Map(counts.texts) }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
