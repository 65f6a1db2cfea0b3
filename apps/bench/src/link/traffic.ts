/**
 * What the link counts, pure. Round trips: per connection, a reply from the
 * server that follows bytes from the client closes one round trip (the client
 * sent, then had to wait for the server). Pipelined messages sent before the
 * reply make one round trip; a reply read in several chunks is still one.
 * Lateness: how long after its due time each chunk was written, in whole
 * microseconds, kept as a histogram so two snapshots can be subtracted.
 */
export interface TrafficCounts {
  connections: number;
  roundTrips: number;
  toServerChunks: number;
  toClientChunks: number;
  toServerBytes: number;
  toClientBytes: number;
}

export const emptyTraffic = (): TrafficCounts => ({ connections: 0, roundTrips: 0, toServerChunks: 0, toClientChunks: 0, toServerBytes: 0, toClientBytes: 0 });

export function trafficSince(before: TrafficCounts, after: TrafficCounts): TrafficCounts {
  return {
    connections: after.connections - before.connections,
    roundTrips: after.roundTrips - before.roundTrips,
    toServerChunks: after.toServerChunks - before.toServerChunks,
    toClientChunks: after.toClientChunks - before.toClientChunks,
    toServerBytes: after.toServerBytes - before.toServerBytes,
    toClientBytes: after.toClientBytes - before.toClientBytes,
  };
}

/** One connection's contribution to the totals. */
export class ConnectionTraffic {
  private awaitingReply = false;

  constructor(private readonly totals: TrafficCounts) {
    totals.connections++;
  }

  fromClient(bytes: number): void {
    this.totals.toServerChunks++;
    this.totals.toServerBytes += bytes;
    this.awaitingReply = true;
  }

  fromServer(bytes: number): void {
    this.totals.toClientChunks++;
    this.totals.toClientBytes += bytes;
    if (this.awaitingReply) {
      this.totals.roundTrips++;
      this.awaitingReply = false;
    }
  }
}

/** Sparse histogram: [microseconds, count] pairs, ascending. */
export type Histogram = Array<[number, number]>;

export class LatenessHistogram {
  private readonly counts = new Map<number, number>();

  record(latenessMs: number): void {
    const us = Math.max(0, Math.round(latenessMs * 1000));
    this.counts.set(us, (this.counts.get(us) ?? 0) + 1);
  }

  snapshot(): Histogram {
    return [...this.counts].sort((a, b) => a[0] - b[0]);
  }
}

export function histogramSince(before: Histogram, after: Histogram): Histogram {
  const earlier = new Map(before);
  return after.map(([us, n]): [number, number] => [us, n - (earlier.get(us) ?? 0)]).filter(([, n]) => n > 0);
}

export interface LatenessSummary {
  chunks: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

/** Nearest-rank percentiles of a histogram (NaN when empty). */
export function summarizeLateness(histogram: Histogram): LatenessSummary {
  const chunks = histogram.reduce((sum, [, n]) => sum + n, 0);
  const at = (p: number) => {
    const rank = Math.max(1, Math.ceil((p / 100) * chunks));
    let seen = 0;
    for (const [us, n] of histogram) {
      seen += n;
      if (seen >= rank) return us;
    }
    return Number.NaN;
  };
  return { chunks, p50Us: at(50), p99Us: at(99), maxUs: histogram.at(-1)?.[0] ?? Number.NaN };
}
