import type { ContenderResult, RoundFigures } from '../measure';
import type { GrowingStorageResult, GrowingStorageRow, GrowingTiming } from './growingStorage';
import { formatGrowingStorage } from './growingStorage';
import { growingStorageTargets, TIMED } from './growingStorageTargets';

const row = (workload: GrowingStorageRow['workload'], mode: GrowingStorageRow['mode'], saves: number, storedBytes: number, finalStateBytes: number): GrowingStorageRow => ({
  workload,
  mode,
  saves,
  storedBytes,
  finalStateBytes,
  ratio: Math.round((storedBytes / finalStateBytes) * 100) / 100,
  peakStateBytes: finalStateBytes,
});

/** A contender whose rounds had these medians. */
function contender(id: string, medians: number[]): ContenderResult {
  const rounds: RoundFigures[] = medians.map((medianMs) => ({ ops: 3, medianMs, opsPerSec: 1000 / medianMs }));
  const sorted = [...medians].sort((a, b) => a - b);
  const summary = { ops: medians.length * 3, medianMs: sorted[Math.floor(sorted.length / 2)] as number, p99Ms: sorted[sorted.length - 1] as number, meanMs: 1, minMs: sorted[0] as number, opsPerSec: 1, clientCpuMsPerOp: 1, serverCpuMsPerOp: null };
  return { id, label: id, diagnostic: false, summary, rounds, roundTripsPerOp: null };
}

function timing(growingSave: number[], wholeSave: number[], growingRead: number[], wholeRead: number[]): GrowingTiming {
  return {
    workload: 'chat',
    afterSaves: 1000,
    firstStateBytes: 1_043_000,
    lastStateBytes: 1_090_000,
    settings: { concurrency: 1, warmupOps: 2, rounds: growingSave.length, opsPerRound: 3 },
    results: [contender(TIMED.growingSave, growingSave), contender(TIMED.wholeSave, wholeSave), contender(TIMED.growingRead, growingRead), contender(TIMED.wholeRead, wholeRead)],
    save: { median: 0, min: 0, max: 0, n: growingSave.length },
    read: { median: 0, min: 0, max: 0, n: growingSave.length },
  };
}

const byId = (result: GrowingStorageResult) => new Map(growingStorageTargets(result).map((t) => [t.id, t]));

describe('growingStorageTargets', () => {
  it('makes one storage target per chat mark run, named by the mark, and none for other workloads or whole threads', () => {
    const targets = byId({ rows: [row('chat', 'growing', 200, 510_000, 209_000), row('chat', 'whole', 200, 11_410_000, 209_000), row('chat', 'growing', 1000, 2_150_000, 1_043_000), row('edits', 'growing', 200, 930_000, 210_000)] });
    expect([...targets.keys()]).toEqual(['growing-storage-chat-200', 'growing-storage-chat-1000']);
    const at1000 = targets.get('growing-storage-chat-1000');
    expect(at1000).toMatchObject({ comparison: '<=', threshold: 3, n: 1, pass: true, conclusive: true, rttMs: 0 });
    expect(at1000?.value).toBeCloseTo(2.0614, 4);
    expect(at1000?.description).toContain('1,000 saves');
  });

  it('names a quick run\'s target by the mark it ran, and a miss is conclusive (one run)', () => {
    const targets = byId({ rows: [row('chat', 'growing', 50, 400_000, 50_000)] });
    expect(targets.get('growing-storage-chat-50')).toMatchObject({ value: 8, pass: false, conclusive: true });
  });

  it('compares the savers per turn count run', () => {
    const targets = byId({ rows: [], savers: [{ turns: 200, checkpoints: 680, agentStateSaverBytes: 2_520_000, postgresSaverBytes: 31_510_000, ratio: 0.08 }] });
    expect(targets.get('growing-storage-saver-vs-postgressaver-200turns')).toMatchObject({ threshold: 0.1, n: 1, pass: true, conclusive: true });
    expect(targets.get('growing-storage-saver-vs-postgressaver-200turns')?.value).toBeCloseTo(0.08, 3);
  });

  it('takes the save and read targets round by round from the timed rounds', () => {
    const targets = byId({ rows: [], timing: timing([30, 28, 40], [60, 70, 50], [40, 44, 42], [40, 40, 35]) });
    const save = targets.get('growing-save-vs-whole');
    // per round 0.5, 0.4, 0.8: median 0.5, on the goal; the last round misses
    expect(save).toMatchObject({ value: 0.5, min: 0.4, max: 0.8, n: 3, threshold: 0.5, pass: true, conclusive: false });
    expect(save?.description).toContain('after 1,000 saves (state 1,043–1,090 KB)');
    const read = targets.get('growing-read-vs-whole');
    // per round 1.0, 1.1, 1.2: all within 1.2x
    expect(read).toMatchObject({ value: 1.1, min: 1, max: 1.2, n: 3, threshold: 1.2, pass: true, conclusive: true });
  });

  it('makes no timing targets when the run did not time', () => {
    expect([...byId({ rows: [row('chat', 'growing', 50, 100_000, 50_000)] }).keys()]).toEqual(['growing-storage-chat-50']);
  });
});

describe('formatGrowingStorage', () => {
  it('prints the timed rounds as per-round ratios, not as indicative single runs', () => {
    const t = timing([30, 28, 40], [60, 70, 50], [40, 44, 42], [40, 40, 35]);
    const text = formatGrowingStorage({ rows: [row('chat', 'growing', 1000, 2_150_000, 1_043_000)], timing: { ...t, save: { median: 0.5, min: 0.4, max: 0.8, n: 3 }, read: { median: 1.1, min: 1, max: 1.2, n: 3 } } }).join('\n');
    expect(text).not.toMatch(/indicative/i);
    expect(text).toContain('save:      growing-state 30.00 ms');
    expect(text).toContain('0.50x (0.40–0.80) (goal <= 0.5x)');
    expect(text).toContain('1.10x (1.00–1.20) (goal <= 1.2x)');
  });
});
