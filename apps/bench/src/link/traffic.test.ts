import { ConnectionTraffic, emptyTraffic, histogramSince, LatenessHistogram, summarizeLateness, trafficSince } from './traffic';

describe('ConnectionTraffic', () => {
  it('counts a round trip each time the server answers after the client sent, however the bytes were chunked', () => {
    const totals = emptyTraffic();
    const a = new ConnectionTraffic(totals);
    const b = new ConnectionTraffic(totals);
    a.fromServer(10); // unprompted (a notice): no round trip
    a.fromClient(5);
    a.fromClient(7); // pipelined: still one
    b.fromClient(3); // another connection, in between
    a.fromServer(20);
    a.fromServer(20); // the rest of the same reply
    b.fromServer(4);
    a.fromClient(1);
    a.fromServer(1);
    expect(totals).toEqual({ connections: 2, roundTrips: 3, toServerChunks: 4, toClientChunks: 5, toServerBytes: 16, toClientBytes: 55 });
    const before = { ...totals };
    b.fromClient(2);
    b.fromServer(2);
    expect(trafficSince(before, totals)).toEqual({ connections: 0, roundTrips: 1, toServerChunks: 1, toClientChunks: 1, toServerBytes: 2, toClientBytes: 2 });
  });
});

describe('LatenessHistogram', () => {
  it('summarizes whole microseconds, and subtracts an earlier snapshot', () => {
    const histogram = new LatenessHistogram();
    for (const ms of [0.001, 0.002, 0.002, 0.01]) histogram.record(ms);
    const before = histogram.snapshot();
    for (let i = 0; i < 197; i++) histogram.record(0.003);
    histogram.record(-0.0001); // counted as on time
    histogram.record(1.5);
    const since = histogramSince(before, histogram.snapshot());
    expect(since).toEqual([
      [0, 1],
      [3, 197],
      [1500, 1],
    ]);
    expect(summarizeLateness(since)).toEqual({ chunks: 199, p50Us: 3, p99Us: 3, maxUs: 1500 });
    expect(summarizeLateness([]).chunks).toBe(0);
  });
});
