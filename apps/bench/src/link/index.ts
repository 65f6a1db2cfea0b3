/**
 * A link with a chosen round-trip time between the bench and PostgreSQL:
 * `openLink(serverUrl, rttMs)` starts the delay proxy in a process of its own
 * and returns the server URL rewritten to go through it. Every client opened
 * on that URL (pg pools, Prisma's adapter, LangGraph's saver) pays the delay
 * on each round trip, as it would against a server that far away.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LinkReply, LinkRequest } from './process';
import type { ProxyStats } from './proxy';

export { measureAchievedRtt, type AchievedRtt } from './achievedRtt';
export { activityBetween, LinkMeter, type LinkActivity } from './activity';
export type { ProxyStats } from './proxy';
export { histogramSince, summarizeLateness, trafficSince, type Histogram, type LatenessSummary, type TrafficCounts } from './traffic';

export interface Link {
  rttMs: number;
  /** the server URL with host and port replaced by the link's */
  url: string;
  /** how the link process is scheduled (real-time or not, timer slack) */
  scheduling: string;
  /** the link's counters so far; `lateness: false` leaves the histogram empty (cheap enough to ask around every batch) */
  stats(options?: { lateness: boolean }): Promise<ProxyStats>;
  close(): Promise<void>;
}

/** The child runs TypeScript: tsx's loader, resolved from here, so it works under tsx and under Jest alike. */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

export async function openLink(serverUrl: string, rttMs: number): Promise<Link> {
  const upstream = new URL(serverUrl);
  const options = { upstreamHost: upstream.hostname.replace(/^\[(.*)\]$/, '$1'), upstreamPort: Number(upstream.port || 5432), rttMs };
  const child: ChildProcess = fork(path.join(__dirname, 'process.ts'), [JSON.stringify(options)], {
    execArgv: ['--conditions=@agentstate/source', '--import', TSX_LOADER],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (stats: ProxyStats) => void>();
  let nextId = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Extract<LinkReply, { type: 'ready' }>>((resolve, reject) => {
    child.once('error', reject);
    void exited.then(() => reject(new Error(`the link process exited (${child.exitCode ?? child.signalCode}) before it was ready`)));
    child.on('message', (reply: LinkReply) => {
      if (reply.type === 'ready') resolve(reply);
      else {
        pending.get(reply.id)?.(reply.stats);
        pending.delete(reply.id);
      }
    });
  });
  const url = new URL(serverUrl);
  url.hostname = '127.0.0.1';
  url.port = String(ready.port);
  const request = (message: LinkRequest) => child.send(message);
  return {
    rttMs,
    url: url.toString(),
    scheduling: ready.scheduling,
    stats({ lateness } = { lateness: true }) {
      const id = ++nextId;
      return new Promise<ProxyStats>((resolve, reject) => {
        pending.set(id, resolve);
        if (!child.connected) reject(new Error('the link process is gone'));
        else request({ type: 'stats', id, lateness });
      });
    },
    async close() {
      if (child.connected) request({ type: 'close' });
      await exited;
    },
  };
}
