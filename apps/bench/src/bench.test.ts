// Runs `bench --quick` end to end as a child process and checks only that it
// finishes and writes well-formed JSON with every contender. No timing
// assertions: figures from a shared CI machine are not pass/fail material.
import { describeWithPostgresServer, testServerUrl } from '@agentstate/db/testing';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SAVE_CONTENDER_IDS } from './contenders';
import type { BenchReport } from './results';

const packageDir = path.resolve(__dirname, '..');

describeWithPostgresServer('bench --quick', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'agentstate-bench-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every scenario and writes the figures of all six contenders', async () => {
    const out = path.join(dir, 'latest.json');
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'src/main.ts', '--quick', '--out', out], {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: 170_000,
      // DATABASE_URL is the user's database: the bench must not touch it (a closed port here would fail the run if it did).
      env: { ...process.env, BENCH_DATABASE_URL: testServerUrl(), DATABASE_URL: 'postgresql://not-the-bench@127.0.0.1:1/users_own_database', NODE_OPTIONS: '' },
    });
    if (run.status !== 0) throw new Error(`bench --quick exited ${run.status ?? run.signal}:\n${run.stderr}`);

    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    expect(report.meta.mode).toBe('quick');
    expect(report.contenders.map((c) => c.id)).toEqual([...SAVE_CONTENDER_IDS]);

    const saves = report.scenarios.filter((s) => s.kind === 'save' && s.backend === 'postgresql');
    expect(saves.map((s) => s.concurrency).sort((a, b) => a - b)).toEqual([1, 1, 16, 16]);
    for (const scenario of saves) {
      expect(scenario.results.filter((r) => !r.diagnostic).map((r) => r.id)).toEqual([...SAVE_CONTENDER_IDS]);
      for (const { summary } of scenario.results) {
        expect(summary.ops).toBeGreaterThan(0);
        for (const figure of [summary.medianMs, summary.p99Ms, summary.opsPerSec]) expect(Number.isFinite(figure)).toBe(true);
      }
    }
    expect(report.scenarios.some((s) => s.backend === 'pglite')).toBe(true);
    for (const kind of ['read-latest', 'read-page'] as const) expect(report.scenarios.filter((s) => s.kind === kind).length).toBeGreaterThanOrEqual(2);
    expect(report.growth.length).toBeGreaterThan(0);
    expect(report.targets.length).toBeGreaterThan(0);
    for (const target of report.targets) expect(typeof target.pass).toBe('boolean');
    expect(run.stdout).toContain('== Targets ==');

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
