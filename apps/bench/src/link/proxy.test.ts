// The link's I/O against a real TCP echo server: bytes, order, round trips and
// due times are checked; wall-clock upper bounds are not (a loaded machine may
// deliver late, never early).
import { seededRandom } from '@agentstate/db/testing';
import net from 'node:net';
import type { Delivery } from './delayLine';
import { openLink } from './index';
import { startDelayProxy } from './proxy';

interface Echo {
  port: number;
  close(): Promise<void>;
}

/** Echoes every byte back and ends when the client ends. */
async function startEcho(): Promise<Echo> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('end', () => socket.end());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const connect = (port: number) =>
  new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });

/** Everything the socket receives until the peer ends it. */
const receiveAll = (socket: net.Socket) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });

/** Sends `request` and waits until as many bytes came back: one round trip. */
const exchange = (socket: net.Socket, request: Buffer) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= request.length) {
        socket.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.write(request);
  });

describe('the delay proxy', () => {
  let echo: Echo;
  beforeAll(async () => {
    echo = await startEcho();
  });
  afterAll(() => echo.close());

  it('carries many connections at once, each byte for byte in order and unmixed, every chunk held at least half the round trip', async () => {
    const rttMs = 2;
    const delivered: Array<{ delivery: Delivery<net.Socket>; writtenMs: number }> = [];
    const proxy = await startDelayProxy({ upstreamHost: '127.0.0.1', upstreamPort: echo.port, rttMs, onDelivered: (delivery, writtenMs) => delivered.push({ delivery, writtenMs }) });
    try {
      const random = seededRandom(23);
      const connections = 12;
      const runs = Array.from({ length: connections }, async (_, c) => {
        const socket = await connect(proxy.port);
        const received = receiveAll(socket);
        // Chunks of random sizes, every byte naming its connection and position.
        const sent: Buffer[] = [];
        let offset = 0;
        for (let k = 0; k < 20; k++) {
          const size = 1 + Math.floor(random() * 6000);
          const chunk = Buffer.alloc(size, 0);
          for (let i = 0; i < size; i++) chunk[i] = (c * 31 + offset + i) % 251;
          offset += size;
          sent.push(chunk);
          socket.write(chunk);
          if (random() < 0.3) await new Promise((resolve) => setImmediate(resolve));
        }
        socket.end();
        expect((await received).equals(Buffer.concat(sent))).toBe(true);
      });
      await Promise.all(runs);

      const stats = proxy.stats();
      expect(stats.traffic.connections).toBe(connections);
      expect(stats.traffic.toServerBytes).toBe(stats.traffic.toClientBytes);
      // Every chunk (and each end) was written, none before its due time, each due a half round trip after it arrived.
      expect(delivered.length).toBe(stats.traffic.toServerChunks + stats.traffic.toClientChunks + 2 * connections);
      expect(stats.lateness.reduce((sum, [, n]) => sum + n, 0)).toBe(delivered.length);
      const lastArrival = new Map<net.Socket, number>();
      for (const { delivery, writtenMs } of delivered) {
        expect(delivery.dueMs).toBeGreaterThanOrEqual(delivery.arrivedMs + rttMs / 2);
        expect(writtenMs).toBeGreaterThanOrEqual(delivery.dueMs);
        // per destination socket, written in the order the chunks arrived
        expect(delivery.arrivedMs).toBeGreaterThanOrEqual(lastArrival.get(delivery.target) ?? Number.NEGATIVE_INFINITY);
        lastArrival.set(delivery.target, delivery.arrivedMs);
      }
    } finally {
      await proxy.close();
    }
  });

  it('counts one round trip per request answered, on every connection', async () => {
    const proxy = await startDelayProxy({ upstreamHost: '127.0.0.1', upstreamPort: echo.port, rttMs: 1 });
    try {
      await Promise.all(
        Array.from({ length: 5 }, async (_, c) => {
          const socket = await connect(proxy.port);
          for (let k = 0; k < 7; k++) {
            const request = Buffer.from(`connection ${c} request ${k} `.repeat(50 * (k + 1)));
            expect((await exchange(socket, request)).equals(request)).toBe(true);
          }
          socket.destroy();
        }),
      );
      expect(proxy.stats().traffic.roundTrips).toBe(35);
    } finally {
      await proxy.close();
    }
  });

  it('runs in a process of its own behind openLink, on a URL naming it instead of the server', async () => {
    const link = await openLink(`postgresql://someone@127.0.0.1:${echo.port}/somedb?sslmode=disable`, 1);
    try {
      const url = new URL(link.url);
      expect([url.hostname, url.username, url.pathname, url.search]).toEqual(['127.0.0.1', 'someone', '/somedb', '?sslmode=disable']);
      expect(url.port).not.toBe(String(echo.port));
      expect(link.scheduling).not.toBe('');
      const socket = await connect(Number(url.port));
      for (let k = 0; k < 3; k++) await exchange(socket, Buffer.from(`ping ${k}`));
      socket.destroy();
      const stats = await link.stats();
      expect(stats.traffic.roundTrips).toBe(3);
      expect(stats.lateness.reduce((sum, [, n]) => sum + n, 0)).toBeGreaterThanOrEqual(6);
      expect((await link.stats({ lateness: false })).lateness).toEqual([]);
    } finally {
      await link.close();
    }
  });
});
