/**
 * The delay link's I/O: a TCP proxy in front of the PostgreSQL server that
 * holds every chunk, in each direction, for half the round-trip time before
 * writing it on (delayLine.ts decides when; preciseTimer.ts wakes the loop).
 * The TCP plumbing is @agentstate/db's shared proxy core (one upstream
 * connection per client); chunks are written as read, in order, never merged
 * across connections. It counts round trips
 * and chunks (traffic.ts) and how late each chunk left (the timer's wake-up
 * lateness plus the loop's), and reports its own CPU.
 *
 * Waking exactly at a due time is not free: the timer thread wakes tens of
 * microseconds late, and the post to this loop adds as much. So the timer is
 * armed `lead` early (a running median of that wake-up latency) and the loop,
 * when it gets control a few microseconds before the due time, waits out the
 * rest (never more than SPIN_LIMIT_MS) before writing: nothing ever leaves
 * before its due time.
 */
import type net from 'node:net';
import { startTcpProxy } from '@agentstate/db/testing/tcp-proxy';
import { DelayLine, type Delivery } from './delayLine';
import { nowMs, startPreciseTimer } from './preciseTimer';
import { ConnectionTraffic, emptyTraffic, LatenessHistogram, type Histogram, type TrafficCounts } from './traffic';

const SPIN_LIMIT_MS = 0.025;
const MAX_LEAD_MS = 0.2;

export interface ProxyStats {
  traffic: TrafficCounts;
  /** how long after its due time each chunk was written */
  lateness: Histogram;
  /** CPU of this process (both threads), microseconds */
  cpuUserUs: number;
  cpuSystemUs: number;
  /** times the loop was woken by the timer, and the time it spent waiting out early wake-ups */
  wakeups: number;
  spinMs: number;
  leadMs: number;
}

export interface DelayProxy {
  port: number;
  /** withLateness false: an empty histogram (sorting it is the costly part) */
  stats(withLateness?: boolean): ProxyStats;
  close(): Promise<void>;
}

export interface DelayProxyOptions {
  upstreamHost: string;
  upstreamPort: number;
  rttMs: number;
  /** test hook: every delivery as it is written, with the time it was written */
  onDelivered?(delivery: Delivery<net.Socket>, writtenMs: number): void;
}

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const line = new DelayLine<net.Socket>(options.rttMs / 2);
  const traffic = emptyTraffic();
  const lateness = new LatenessHistogram();
  let wakeups = 0;
  let spinMs = 0;
  let leadMs = 0.05;
  /** the due time the timer is armed for, and when it was asked to fire */
  let armedFor = Number.POSITIVE_INFINITY;
  let firesAt = Number.POSITIVE_INFINITY;

  const write = (delivery: Delivery<net.Socket>, now: number) => {
    lateness.record(now - delivery.dueMs);
    const { target, bytes } = delivery;
    if (!target.destroyed && !target.writableEnded) {
      if (bytes === null) target.end();
      else target.write(bytes);
    }
    options.onDelivered?.(delivery, now);
  };

  /** Writes everything due, waits out a due time that is only microseconds away, and re-arms the timer for the next one. */
  const flush = () => {
    for (;;) {
      let now = nowMs();
      for (const delivery of line.takeDue(now)) write(delivery, now);
      const next = line.nextDueMs();
      if (next - now > SPIN_LIMIT_MS) {
        if (next !== armedFor) {
          armedFor = next;
          firesAt = Math.max(now, next - leadMs);
          if (next === Number.POSITIVE_INFINITY) timer.disarm();
          else timer.arm(firesAt);
        }
        return;
      }
      const spinStart = now;
      while (now < next) now = nowMs();
      spinMs += now - spinStart;
    }
  };

  const timer = startPreciseTimer(() => {
    wakeups++;
    // The wake-up latency against the time asked for; the lead follows its running median (steps of 1 µs).
    const latency = nowMs() - firesAt;
    if (Number.isFinite(latency)) leadMs = Math.min(MAX_LEAD_MS, Math.max(0, leadMs + (latency > leadMs ? 0.001 : -0.001)));
    armedFor = Number.POSITIVE_INFINITY;
    firesAt = Number.POSITIVE_INFINITY;
    flush();
  });

  const schedule = (target: net.Socket, bytes: Buffer | null) => {
    line.push(target, bytes, nowMs());
    flush();
  };

  // The TCP plumbing is the shared proxy core's; this proxy only decides when each chunk leaves.
  const proxy = await startTcpProxy({
    upstreamHost: options.upstreamHost,
    upstreamPort: options.upstreamPort,
    connection(connection) {
      const counts = new ConnectionTraffic(traffic);
      return (direction, bytes) => {
        if (bytes !== null) {
          if (direction === 'up') counts.fromClient(bytes.length);
          else counts.fromServer(bytes.length);
        }
        schedule(connection.target(direction), bytes);
      };
    },
  });
  const cpuStart = process.cpuUsage();
  return {
    port: proxy.port,
    stats(withLateness = true) {
      const cpu = process.cpuUsage(cpuStart);
      return { traffic: { ...traffic }, lateness: withLateness ? lateness.snapshot() : [], cpuUserUs: cpu.user, cpuSystemUs: cpu.system, wakeups, spinMs, leadMs };
    },
    async close() {
      await proxy.close();
      await timer.close();
    },
  };
}
