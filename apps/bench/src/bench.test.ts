// Runs `bench --quick` end to end as a child process and checks that it
// finishes and writes well-formed JSON with every contender, its per-round
// spreads and stored bytes. No timing assertions: figures from a shared CI
// machine are not pass/fail material.
import { describeWithPostgresServer, testServerUrl } from '@agentstate/db/testing';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SAVE_CONTENDER_IDS } from './contenders';
import type { BenchReport, RatioSpread, StoredBytes } from './results';
import { readmeTables } from './readmeTables';

const packageDir = path.resolve(__dirname, '..');

describeWithPostgresServer('bench --quick', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'agentstate-bench-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every scenario and writes the figures, per-round spreads and stored bytes of every contender', async () => {
    const out = path.join(dir, 'latest.json');
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), '--conditions=@agentstate/source', 'src/main.ts', '--quick', '--warmup', '5', '--out', out], {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: 170_000,
      // DATABASE_URL is the user's database: the bench must not touch it (a closed port here would fail the run if it did).
      env: { ...process.env, BENCH_DATABASE_URL: testServerUrl(), DATABASE_URL: 'postgresql://not-the-bench@127.0.0.1:1/users_own_database', NODE_OPTIONS: '' },
    });
    if (run.status !== 0) throw new Error(`bench --quick exited ${run.status ?? run.signal}:\n${run.stderr}`);

    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    expect(report.meta.mode).toBe('quick');
    expect(report.meta.jitWarmupOps).toBe(5);
    expect(run.stderr).toMatch(/save postgresql 1KB c=1: \d+ contenders, \d+ rounds x \d+ ops \(\+5 warm-up\)/);
    expect(report.contenders.map((c) => c.id)).toEqual([...SAVE_CONTENDER_IDS]);
    const isNumber = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
    const expectSpread = (s: RatioSpread) => {
      for (const figure of [s.median, s.min, s.max, s.n]) expect(isNumber(figure)).toBe(true);
      expect(s.min).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.max);
    };

    const saves = report.scenarios.filter((s) => s.kind === 'save' && s.backend === 'postgresql');
    expect(saves.map((s) => s.concurrency).sort((a, b) => a - b)).toEqual([1, 1, 16, 16]);
    for (const scenario of saves) {
      expect(scenario.baseline).toBe('yardstick-insert');
      expect(scenario.results.filter((r) => !r.diagnostic).map((r) => r.id)).toEqual([...SAVE_CONTENDER_IDS]);
      for (const result of scenario.results) {
        const { summary } = result;
        expect(summary.ops).toBeGreaterThan(0);
        for (const figure of [summary.medianMs, summary.p99Ms, summary.opsPerSec]) expect(isNumber(figure)).toBe(true);
        // One recorded batch per round, and the ratios to the baseline taken round by round.
        expect(result.rounds.length).toBe(2);
        expectSpread(result.vsBaselineMedianMs);
        expectSpread(result.vsBaselineOpsPerSec);
        expect(result.vsBaselineMedianMs.perRound).toHaveLength(2);
        // Stored bytes per snapshot for every save contender, ours, the raw ones and LangGraph's.
        expect(result.storage).not.toBeNull();
        const storage = result.storage as StoredBytes;
        for (const figure of [storage.onDiskBytesPerRow, storage.rowBytes, storage.rowsAdded, storage.ownRows]) expect(isNumber(figure)).toBe(true);
        expect(storage.ownRows).toBeGreaterThan(0);
        expect(storage.rowBytes).toBeGreaterThan(scenario.payloadBytes as number / 10); // compressed, but a row, not a pointer
      }
      const byId = new Map(scenario.results.map((r) => [r.id, r]));
      expect(byId.get('yardstick-insert')?.vsBaselineMedianMs.median).toBe(1);
      expect(byId.get('yardstick-insert')?.storage?.tables).toEqual(['bench_yardstick_snapshots']);
      expect(byId.get('service-steady')?.storage?.tables).toEqual(['agent_state_snapshots']);
      expect(byId.get('langgraph-put')?.storage?.tables).toEqual(['checkpoints', 'checkpoint_blobs', 'checkpoint_writes']);
    }
    expect(report.scenarios.some((s) => s.backend === 'pglite')).toBe(true);
    for (const kind of ['read-latest', 'read-page'] as const) {
      const reads = report.scenarios.filter((s) => s.kind === kind);
      expect(reads.length).toBeGreaterThanOrEqual(2);
      for (const result of reads.flatMap((s) => s.results)) {
        expectSpread(result.vsBaselineMedianMs);
        expect(result.storage).toBeNull();
      }
    }
    expect(report.growth.length).toBeGreaterThan(0);
    for (const g of report.growth) expectSpread(g.spread);
    expect(report.noise.map((n) => n.scenario).sort()).toEqual(saves.map((s) => s.key).sort());
    // The DeltaChannel chat: every thread measured, statements counted on the wire (counts, not timings), bytes stored.
    const delta = report.deltaChannel as NonNullable<BenchReport['deltaChannel']>;
    expect(delta.rows.map((r) => `${r.saver} ${r.schema} ${r.turn}`)).toEqual([
      'agentstate MessagesDeltaValue 10', 'agentstate MessagesDeltaValue 20',
      'postgres-saver MessagesDeltaValue 10', 'postgres-saver MessagesDeltaValue 20',
      'agentstate MessagesValue 10', 'agentstate MessagesValue 20',
    ]);
    for (const r of delta.rows) expect(r.rounds).toHaveLength(2);
    const statements = (saver: string, turn: number) => delta.rows.find((r) => r.saver === saver && r.schema === 'MessagesDeltaValue' && r.turn === turn)?.statements;
    expect([statements('agentstate', 10), statements('agentstate', 20)]).toEqual([2, 2]);
    expect(statements('postgres-saver', 20)).toBeGreaterThan(statements('postgres-saver', 10) as number);
    for (const g of delta.growth) expectSpread(g.ratio);
    const [deltaBytes, fullBytes] = delta.storage;
    expect(fullBytes?.serializedBytes).toBeGreaterThan(deltaBytes?.serializedBytes as number);
    expect(report.targets.map((t) => t.id)).toContain('delta-getstate-growth');
    expect(run.stdout).toContain('== DeltaChannel: graph.getState');
    expect(report.targets.length).toBeGreaterThan(0);
    for (const target of report.targets) {
      expect(typeof target.pass).toBe('boolean');
      expect(typeof target.conclusive).toBe('boolean');
      for (const figure of [target.value, target.min, target.max, target.n]) expect(isNumber(figure)).toBe(true);
    }
    expect(run.stdout).toContain('== Targets');
    expect(run.stdout).toMatch(/\d\.\d\dx \(\d+\.\d\d–\d+\.\d\d\)/); // "0.86x (0.79–0.93)"
    expect(run.stdout).toContain('stored B/snapshot');
    // The README's tables come from such a report (pnpm --filter @agentstate/bench run readme-tables).
    const tables = readmeTables(report);
    for (const target of report.targets) expect(tables).toContain(target.description);
    for (const contender of saves[0]!.results) expect(tables).toContain(`| ${contender.label} |`);
    // Every bound a target prints "on the same measure" reaches the README (the first save has three).
    const firstSave = report.targets.find((t) => t.id.startsWith('first-save-'));
    const bounds = /diag-raw-first-save on the same measure: [\d.]+x; service-first-save-unnamed on the same measure: [\d.]+x; raw-insert-prepared on the same measure: [\d.]+x/;
    expect(firstSave?.detail).toMatch(bounds);
    expect(tables).toContain(`${firstSave!.description}; diag-raw-first-save on the same measure:`);
    expect(tables).toMatch(new RegExp(`${bounds.source} \\|`));

    // The run's own database is gone again.
    const admin = new pg.Client({ connectionString: testServerUrl() });
    await admin.connect();
    try {
      const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [report.meta.database]);
      expect(rows).toHaveLength(0);
    } finally {
      await admin.end();
    }
  }, 180_000);
});
