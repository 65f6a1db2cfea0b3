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
import { performanceTables } from './performanceTables';

const packageDir = path.resolve(__dirname, '..');

describeWithPostgresServer('bench --quick', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'agentstate-bench-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every scenario at loopback and through a 1 ms link, and writes the figures, per-round spreads, round trips and stored bytes of every contender', async () => {
    const out = path.join(dir, 'latest.json');
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), '--conditions=@agentstate/source', 'src/main.ts', '--quick', '--warmup', '5', '--out', out], {
      cwd: packageDir,
      encoding: 'utf8',
      // Generous: the quick run takes about 2.5 min at load 15 on 2 cores; a killed run says so below.
      timeout: 540_000,
      // DATABASE_URL is the user's database: the bench must not touch it (a closed port here would fail the run if it did).
      env: { ...process.env, BENCH_DATABASE_URL: testServerUrl(), DATABASE_URL: 'postgresql://not-the-bench@127.0.0.1:1/users_own_database', NODE_OPTIONS: '' },
    });
    if (run.status !== 0) throw new Error(`bench --quick exited ${run.status ?? run.signal}${run.error ? ` (${run.error.message})` : ''}:\n${run.stderr}\n${run.stdout.slice(-2000)}`);

    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    expect(report.meta.mode).toBe('quick');
    expect(report.meta.jitWarmupOps).toBe(5);
    expect(report.meta.rtts).toEqual([0, 1]);
    expect(run.stderr).toMatch(/save postgresql 1KB c=1: \d+ contenders, \d+ rounds x \d+ ops \(\+5 warm-up\)/);
    expect(report.contenders.map((c) => c.id)).toEqual([...SAVE_CONTENDER_IDS]);
    const isNumber = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
    const expectSpread = (s: RatioSpread) => {
      for (const figure of [s.median, s.min, s.max, s.n]) expect(isNumber(figure)).toBe(true);
      expect(s.min).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.max);
    };

    const pgSaves = report.scenarios.filter((s) => s.kind === 'save' && s.backend === 'postgresql');
    const saves = pgSaves.filter((s) => s.rttMs === 0);
    expect(saves.map((s) => s.concurrency).sort((a, b) => a - b)).toEqual([1, 1, 16, 16]);
    // The same scenarios through the link, every contender there too.
    const linked = pgSaves.filter((s) => s.rttMs === 1);
    expect(linked.map((s) => s.key).sort()).toEqual(saves.map((s) => `${s.key} rtt=1ms`).sort());
    for (const scenario of pgSaves) {
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
    // Growing-state storage (quick: the chat workload at 50 saves), growing beside whole, and the savers compared.
    expect(report.growingStorage?.rows.map((r) => `${r.workload} ${r.mode} ${r.saves}`)).toEqual(['chat growing 50', 'chat whole 50']);
    for (const row of report.growingStorage?.rows ?? []) expect(row.storedBytes).toBeGreaterThan(0);
    expect(report.growingStorage?.savers?.[0]?.postgresSaverBytes).toBeGreaterThan(0);
    // Its timed rounds after the last mark (growing-state save and getLatest beside the same state whole), one batch each per round,
    // and issue 22's goals as targets, named by the mark and turn count the quick run made.
    const timing = report.growingStorage?.timing;
    expect(timing?.afterSaves).toBe(50);
    expect(timing?.results.map((r) => `${r.id} ${r.rounds.length}`)).toEqual(['growing-save 3', 'whole-save 3', 'growing-latest 3', 'whole-latest 3']);
    expect(report.targets.filter((t) => t.id.startsWith('growing-')).map((t) => `${t.id} n=${t.n}`)).toEqual([
      'growing-storage-chat-50 n=1',
      'growing-storage-saver-vs-postgressaver-10turns n=1',
      'growing-save-vs-whole n=3',
      'growing-read-vs-whole n=3',
    ]);
    expect(run.stdout).toContain('Timed, chat workload after 50 saves');

    // Through the link: round trips counted per operation for every row (1 client: exactly the statements' round trips),
    // the link's own activity over the recorded rounds, and the achieved round trip (each link query at least 1 ms by construction).
    const trips = (key: string) => new Map(report.scenarios.find((s) => s.key === key)?.results.map((r) => [r.id, r.roundTripsPerOp]));
    const oneClient = trips('save postgresql 1KB c=1 rtt=1ms');
    expect([...oneClient.values()].every((n) => typeof n === 'number' && n > 0)).toBe(true);
    expect(['yardstick-insert', 'raw-insert-prepared', 'service-steady', 'service-first-save', 'agentstate-saver-put', 'check-then-create', 'check-then-create-tx'].map((id) => oneClient.get(id))).toEqual([1, 1, 1, 1, 1, 5, 7]);
    expect(oneClient.get('langgraph-put')).toBeGreaterThan(1);
    // Loopback rows at 1 client carry the wire profile's counts: the same statements, the same round trips.
    expect(trips('save postgresql 1KB c=1')).toEqual(oneClient);
    // Group commit shares round trips between concurrent saves; check-then-create cannot.
    const sixteen = trips('save postgresql 1KB c=16 rtt=1ms');
    expect(sixteen.get('check-then-create-tx')).toBe(7);
    expect(sixteen.get('service-steady')).toBeLessThanOrEqual(1);
    for (const scenario of report.scenarios.filter((s) => s.rttMs === 1)) {
      const link = scenario.link as NonNullable<typeof scenario.link>;
      expect(link.chunks).toBeGreaterThan(0);
      expect(link.roundTrips).toBeGreaterThan(0);
      // Chunks are counted as they arrive and timed as they are written: the few still on the
      // line when a scenario's window closes (a pool's last messages) are timed in the next one.
      expect(link.lateness.chunks).toBeLessThanOrEqual(link.chunks);
      expect(link.lateness.chunks).toBeGreaterThanOrEqual(Math.floor(link.chunks * 0.95));
      for (const figure of [link.cpuUsPerChunk, link.lateness.p50Us, link.lateness.p99Us]) expect(isNumber(figure)).toBe(true);
    }
    for (const kind of ['read-latest', 'read-page'] as const) expect(report.scenarios.filter((s) => s.kind === kind && s.rttMs === 1)).toHaveLength(2);
    expect(report.links.map((l) => l.rttMs)).toEqual([1]);
    const [link] = report.links;
    expect(link!.achieved.map((a) => a.when)).toEqual(['before its saves', 'after the reads']);
    for (const achieved of link!.achieved) {
      expect(achieved.linkMedianMs).toBeGreaterThanOrEqual(1);
      expect(isNumber(achieved.directMedianMs)).toBe(true);
    }
    expect(link!.activity.chunks).toBe(report.scenarios.reduce((sum, s) => sum + (s.link?.chunks ?? 0), 0));
    expect(run.stdout).toContain('== Links');
    expect(run.stdout).toContain('through a 1 ms link');
    for (const kind of ['read-latest', 'read-page'] as const) {
      const reads = report.scenarios.filter((s) => s.kind === kind);
      expect(reads.length).toBeGreaterThanOrEqual(4);
      for (const result of reads.flatMap((s) => s.results)) {
        expectSpread(result.vsBaselineMedianMs);
        expect(result.storage).toBeNull();
      }
    }
    expect(report.growth.length).toBeGreaterThan(0);
    for (const g of report.growth) expectSpread(g.spread);
    expect(report.noise.map((n) => n.scenario).sort()).toEqual(pgSaves.map((s) => s.key).sort());
    // The DeltaChannel chat: every thread measured, statements counted on the wire (counts, not timings), bytes stored.
    const delta = report.deltaChannel as NonNullable<BenchReport['deltaChannel']>;
    expect(delta.rows.map((r) => `${r.saver} ${r.schema} ${r.turn}`)).toEqual([
      'agentstate MessagesDeltaValue 10', 'agentstate MessagesDeltaValue 20',
      'postgres-saver MessagesDeltaValue 10', 'postgres-saver MessagesDeltaValue 20',
      'agentstate MessagesValue 10', 'agentstate MessagesValue 20',
    ]);
    for (const r of delta.rows) expect(r.rounds).toHaveLength(2);
    expect(delta.atDistances.map((d) => [d.rttMs, d.rows.length])).toEqual([[1, 6]]);
    const statements = (saver: string, turn: number) => delta.rows.find((r) => r.saver === saver && r.schema === 'MessagesDeltaValue' && r.turn === turn)?.statements;
    expect([statements('agentstate', 10), statements('agentstate', 20)]).toEqual([2, 2]);
    expect(statements('postgres-saver', 20)).toBeGreaterThan(statements('postgres-saver', 10) as number);
    for (const g of delta.growth) expectSpread(g.ratio);
    const [deltaBytes, fullBytes] = delta.storage;
    expect(fullBytes?.serializedBytes).toBeGreaterThan(deltaBytes?.serializedBytes as number);
    expect(report.targets.map((t) => t.id)).toContain('delta-getstate-growth');
    // Read cost: every read beside its floor at every size and client count, one statement and one round trip each (counted on the wire).
    const readCost = report.readCost as NonNullable<BenchReport['readCost']>;
    expect(readCost.scenarios.map((s) => `${s.payload} c=${s.concurrency}`)).toEqual(['1KB c=1', '1KB c=16', '100KB c=1', '100KB c=16', '1MB c=1', '1MB c=16']);
    for (const s of readCost.scenarios) {
      expect(s.rows.map((r) => r.id)).toEqual(['getLatest', 'getSnapshot', 'listSnapshots', 'getLineage'].flatMap((read) => [`floor-${read}`, `service-${read}`]));
      for (const r of s.rows) {
        expect([r.roundTripsPerOp, r.statementsPerOp]).toEqual([1, 1]);
        if (r.side === 'service') expectSpread(r.vsFloor as RatioSpread);
      }
    }
    expect(report.targets.filter((t) => t.id.startsWith('read-cost-'))).toHaveLength(24);
    expect(run.stdout).toContain('== Read cost');
    expect(run.stdout).toContain('== DeltaChannel: graph.getState');
    expect(report.targets.length).toBeGreaterThan(0);
    // The 1 ms targets beside the loopback ones.
    expect(report.targets.filter((t) => t.rttMs === 1).map((t) => t.id)).toEqual([
      'first-save-vs-check-then-create-rtt1ms',
      'steady-vs-raw-rtt1ms',
      'saver-put-vs-langgraph-c1-rtt1ms',
      'saver-put-vs-langgraph-rtt1ms',
      'throughput-vs-langgraph-rtt1ms',
      'latest-vs-raw-rtt1ms',
      'page-vs-raw-rtt1ms',
      'delta-getstate-vs-postgres-saver-rtt1ms',
    ]);
    expect(report.targets.find((t) => t.id === 'first-save-vs-check-then-create-rtt1ms')?.detail).toMatch(/; round trips\/op: 1 vs 7$/);
    for (const target of report.targets) {
      expect(typeof target.pass).toBe('boolean');
      expect(typeof target.conclusive).toBe('boolean');
      for (const figure of [target.value, target.min, target.max, target.n]) expect(isNumber(figure)).toBe(true);
    }
    expect(run.stdout).toContain('== Targets');
    expect(run.stdout).toMatch(/\d\.\d\dx \(\d+\.\d\d–\d+\.\d\d\)/); // "0.86x (0.79–0.93)"
    expect(run.stdout).toContain('stored B/snapshot');
    // docs/performance.md's tables come from such a report (pnpm --filter @agentstate/bench run performance-tables).
    const tables = performanceTables(report);
    for (const target of report.targets) expect(tables).toContain(target.description);
    for (const contender of saves[0]!.results) expect(tables).toContain(`| ${contender.label} |`);
    expect(tables).toContain('Saves at 1 ms of round trip');
    expect(tables).toContain('Reads at 1 ms of round trip');
    expect(tables).toMatch(/\| 1 ms \| first save \(new dev user\)[^|]*; round trips\/op: 1 vs 7 \|/);
    // Every bound a target prints "on the same measure" reaches docs/performance.md (the first save has three).
    const firstSave = report.targets.find((t) => t.id.startsWith('first-save-'));
    const bounds = /diag-raw-first-save on the same measure: [\d.]+x; service-first-save-unnamed on the same measure: [\d.]+x; raw-insert-prepared on the same measure: [\d.]+x/;
    expect(firstSave?.detail).toMatch(bounds);
    expect(tables).toContain(`${firstSave!.description}; diag-raw-first-save on the same measure:`);
    expect(tables).toMatch(new RegExp(`${bounds.source}; round trips/op: 1 vs 7 \\|`));

    // The run's own database is gone again.
    const admin = new pg.Client({ connectionString: testServerUrl() });
    await admin.connect();
    try {
      const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [report.meta.database]);
      expect(rows).toHaveLength(0);
    } finally {
      await admin.end();
    }
  }, 550_000);
});
