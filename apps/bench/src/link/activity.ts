/**
 * What the link did between two of its snapshots (pure): chunks forwarded,
 * round trips, its own CPU per chunk and share of a core, and the lateness of
 * its writes. `LinkMeter` adds up the windows of one distance.
 */
import type { ProxyStats } from './proxy';
import { histogramSince, summarizeLateness, type Histogram, type LatenessSummary } from './traffic';

export interface LinkActivity {
  wallMs: number;
  chunks: number;
  roundTrips: number;
  /** CPU of the link process (both of its threads) per chunk forwarded, µs */
  cpuUsPerChunk: number;
  /** CPU of the link process over the wall time: the share of one core it took */
  cpuShareOfCore: number;
  /** how long after its due time (arrival + half the round trip) each chunk was written */
  lateness: LatenessSummary;
  /** timer wake-ups, and time spent waiting out the last microseconds before a due time */
  wakeups: number;
  spinMs: number;
}

interface Window {
  wallMs: number;
  chunks: number;
  roundTrips: number;
  cpuUs: number;
  wakeups: number;
  spinMs: number;
  lateness: Histogram;
}

function windowBetween(before: ProxyStats, after: ProxyStats, wallMs: number): Window {
  const chunks = (s: ProxyStats) => s.traffic.toServerChunks + s.traffic.toClientChunks;
  return {
    wallMs,
    chunks: chunks(after) - chunks(before),
    roundTrips: after.traffic.roundTrips - before.traffic.roundTrips,
    cpuUs: after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs,
    wakeups: after.wakeups - before.wakeups,
    spinMs: after.spinMs - before.spinMs,
    lateness: histogramSince(before.lateness, after.lateness),
  };
}

const r = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

function summarize(w: Window): LinkActivity {
  return {
    wallMs: r(w.wallMs, 1),
    chunks: w.chunks,
    roundTrips: w.roundTrips,
    cpuUsPerChunk: w.chunks > 0 ? r(w.cpuUs / w.chunks, 2) : Number.NaN,
    cpuShareOfCore: w.wallMs > 0 ? r(w.cpuUs / 1000 / w.wallMs, 4) : Number.NaN,
    lateness: summarizeLateness(w.lateness),
    wakeups: w.wakeups,
    spinMs: r(w.spinMs, 3),
  };
}

/** Activity between two snapshots taken `wallMs` apart (both with their lateness histogram). */
export function activityBetween(before: ProxyStats, after: ProxyStats, wallMs: number): LinkActivity {
  return summarize(windowBetween(before, after, wallMs));
}

/** Adds up measured windows (a distance's scenarios), lateness histograms merged. */
export class LinkMeter {
  private readonly windows: Window[] = [];

  /** Records the window and returns its own activity. */
  add(before: ProxyStats, after: ProxyStats, wallMs: number): LinkActivity {
    const window = windowBetween(before, after, wallMs);
    this.windows.push(window);
    return summarize(window);
  }

  total(): LinkActivity {
    const merged = new Map<number, number>();
    for (const w of this.windows) for (const [us, n] of w.lateness) merged.set(us, (merged.get(us) ?? 0) + n);
    const sum = (pick: (w: Window) => number) => this.windows.reduce((total, w) => total + pick(w), 0);
    return summarize({
      wallMs: sum((w) => w.wallMs),
      chunks: sum((w) => w.chunks),
      roundTrips: sum((w) => w.roundTrips),
      cpuUs: sum((w) => w.cpuUs),
      wakeups: sum((w) => w.wakeups),
      spinMs: sum((w) => w.spinMs),
      lateness: [...merged].sort((a, b) => a[0] - b[0]),
    });
  }
}
