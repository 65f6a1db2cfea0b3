import { activityBetween, LinkMeter } from './activity';
import type { ProxyStats } from './proxy';

const stats = (chunks: number, roundTrips: number, cpuUs: number, lateness: Array<[number, number]>): ProxyStats => ({
  traffic: { connections: 1, roundTrips, toServerChunks: chunks / 2, toClientChunks: chunks / 2, toServerBytes: 0, toClientBytes: 0 },
  lateness,
  cpuUserUs: cpuUs,
  cpuSystemUs: 0,
  wakeups: chunks,
  spinMs: 0,
  leadMs: 0.05,
});

describe('link activity', () => {
  it('takes what happened between two snapshots, and adds windows up with their lateness merged', () => {
    const a0 = stats(10, 5, 1_000, [[2, 10]]);
    const a1 = stats(110, 55, 11_000, [[2, 60], [9, 50]]);
    const first = activityBetween(a0, a1, 100);
    expect(first).toMatchObject({ chunks: 100, roundTrips: 50, cpuUsPerChunk: 100, cpuShareOfCore: 0.1, lateness: { chunks: 100, p50Us: 2, p99Us: 9, maxUs: 9 } });
    const meter = new LinkMeter();
    expect(meter.add(a0, a1, 100)).toEqual(first);
    meter.add(a1, stats(130, 65, 12_000, [[2, 60], [9, 50], [400, 20]]), 50);
    expect(meter.total()).toMatchObject({ wallMs: 150, chunks: 120, roundTrips: 60, cpuUsPerChunk: 91.67, lateness: { chunks: 120, p50Us: 9, maxUs: 400 } });
  });
});
