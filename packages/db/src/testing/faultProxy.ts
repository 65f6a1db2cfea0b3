/**
 * A PostgreSQL-aware fault proxy on the shared TCP proxy core: it breaks
 * connections at the moments that decide whether a write happened.
 *
 *  before-request  the chunk ending a request (a Query, or an extended-protocol
 *                  Sync) is dropped and the connection cut: the server never
 *                  runs it (an Execute without its Sync rolls back);
 *  after-request   the request is passed on and the connection cut at once:
 *                  the server may or may not run and commit it;
 *  after-commit    the request is passed on, and the server's reply that ends
 *                  the transaction (ReadyForQuery, idle) is dropped and the
 *                  connection cut: committed, but the client never hears it.
 *
 * It reads only message boundaries (type and length; the first body byte of
 * ReadyForQuery), never payloads, so large rows cost no copying. Cuts are
 * asked for one at a time (cutNext) or at random (cutRandomly, seeded).
 */
import { startTcpProxy, type TcpProxy } from './tcpProxy';

export type CutMoment = 'before-request' | 'after-request' | 'after-commit';
export const CUT_MOMENTS: readonly CutMoment[] = ['before-request', 'after-request', 'after-commit'];

export interface FaultProxy extends TcpProxy {
  /** cuts the next request (on any connection) at `moment` */
  cutNext(moment: CutMoment): void;
  /** from now on, each request is cut with probability `rate` at one of `moments` (random: a seeded generator); null stops */
  cutRandomly(options: { rate: number; random: () => number; moments?: readonly CutMoment[] } | null): void;
  /** cuts made so far, by moment */
  readonly cuts: Readonly<Record<CutMoment, number>>;
  /** requests seen so far */
  readonly requests: number;
  /** the URL `url` (a postgresql:// URL of the upstream server) with host and port replaced by the proxy's */
  urlFor(url: string): string;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I': ReadyForQuery outside a transaction: what came before is committed (or rolled back)
const QUERY = 0x51; // 'Q'
const SYNC = 0x53; // 'S'

interface Message {
  type: number;
  /** the first byte of the body (ReadyForQuery's transaction status) */
  first: number | undefined;
}

/**
 * Finds message boundaries in one direction of a connection. The client's
 * first messages (startup, SSL or GSS requests) carry no type byte; the
 * server answers an SSL or GSS request with one byte.
 */
class MessageScanner {
  private header: number[] = [];
  private remaining = 0;
  private current: Message | null = null;
  /** the server's one-byte answers still to come (one per SSL/GSS request of the client) */
  singleBytes = 0;

  constructor(
    private typed: boolean,
    private readonly onUntyped: (code: number) => void = () => undefined,
  ) {}

  scan(chunk: Buffer): Message[] {
    const done: Message[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.current) {
        if (this.current.first === undefined) this.current.first = chunk[i];
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) {
          done.push(this.current);
          this.current = null;
        }
        continue;
      }
      if (this.typed && this.singleBytes > 0) {
        this.singleBytes--;
        i++;
        continue;
      }
      this.header.push(chunk[i++] as number);
      const headerLength = this.typed ? 5 : 8;
      if (this.header.length < headerLength) continue;
      const header = Buffer.from(this.header);
      this.header = [];
      if (this.typed) {
        const message: Message = { type: header[0] as number, first: undefined };
        this.remaining = header.readInt32BE(1) - 4;
        if (this.remaining === 0) done.push(message);
        else this.current = message;
      } else {
        const code = header.readInt32BE(4);
        this.remaining = header.readInt32BE(0) - 8;
        this.current = this.remaining > 0 ? { type: 0, first: undefined } : null;
        if (this.remaining === 0) done.push({ type: 0, first: undefined });
        this.onUntyped(code);
        // the startup message is the last untyped one
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST && code !== CANCEL_REQUEST) this.typed = true;
      }
    }
    return done;
  }
}

export async function startFaultProxy(options: { upstreamHost: string; upstreamPort: number }): Promise<FaultProxy> {
  const cuts: Record<CutMoment, number> = { 'before-request': 0, 'after-request': 0, 'after-commit': 0 };
  const armed: CutMoment[] = [];
  let random: { rate: number; random: () => number; moments: readonly CutMoment[] } | null = null;
  let requests = 0;

  const decide = (): CutMoment | null => {
    const next = armed.shift();
    if (next) return next;
    if (random && random.random() < random.rate) return random.moments[Math.floor(random.random() * random.moments.length)] ?? null;
    return null;
  };

  const proxy = await startTcpProxy({
    ...options,
    connection(connection) {
      const down = new MessageScanner(true);
      const up = new MessageScanner(false, (code) => {
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) down.singleBytes++;
      });
      let waitingForCommit = false;
      return (direction, bytes) => {
        if (bytes === null) return connection.deliver(direction, null);
        if (direction === 'up') {
          const isRequest = up.scan(bytes).some((m) => m.type === QUERY || m.type === SYNC);
          const moment = isRequest ? (requests++, decide()) : null;
          if (moment === 'before-request') {
            cuts[moment]++;
            return connection.cut();
          }
          connection.deliver('up', bytes);
          if (moment === 'after-request') {
            cuts[moment]++;
            // after the bytes are handed to the kernel: the server gets the request, the client no answer
            setImmediate(() => connection.cut());
          }
          if (moment === 'after-commit') waitingForCommit = true;
          return;
        }
        const idle = down.scan(bytes).some((m) => m.type === READY_FOR_QUERY && m.first === IDLE);
        if (waitingForCommit && idle) {
          cuts['after-commit']++;
          return connection.cut();
        }
        connection.deliver('down', bytes);
      };
    },
  });

  return {
    ...proxy,
    get open() {
      return proxy.open;
    },
    cuts,
    get requests() {
      return requests;
    },
    cutNext: (moment) => void armed.push(moment),
    cutRandomly(settings) {
      random = settings ? { moments: CUT_MOMENTS, ...settings } : null;
    },
    urlFor(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(proxy.port);
      return parsed.toString();
    },
  };
}

/** A fault proxy in front of the server of a postgresql:// URL. */
export function startFaultProxyFor(url: string): Promise<FaultProxy> {
  const parsed = new URL(url);
  return startFaultProxy({ upstreamHost: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), upstreamPort: Number(parsed.port || 5432) });
}
