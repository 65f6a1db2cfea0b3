// The CLI end to end, as `pnpm fk:doctor` runs it: a child process through tsx,
// pointed at databases the test helpers create (never the environment's DATABASE_URL).
import { describePostgres } from '@agentstate/db/testing';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DoctorReport } from './index';
import { DROP_SNAPSHOT_USER_FK, GHOSTS, insertOrphanSnapshots } from './testing';

const packageDir = path.resolve(__dirname, '..');

function doctor(args: string[], database: { DATABASE_URL: string } | { PGLITE_DATA_DIR: string }) {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  delete env.DATABASE_URL;
  delete env.PGLITE_DATA_DIR;
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), '--conditions=@agentstate/source', 'src/cli.ts', ...args], {
    cwd: packageDir,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...env, ...database },
  });
  if (run.error) throw run.error;
  return run;
}

describePostgres('fk:doctor CLI on PostgreSQL', (db) => {
  it('exits 0 with a healthy JSON report, then 1 once a foreign key is dropped and orphans exist', async () => {
    const url = db().url!;
    const healthy = doctor(['--json'], { DATABASE_URL: url });
    expect({ status: healthy.status, stderr: healthy.stderr }).toEqual({ status: 0, stderr: '' });
    const report = JSON.parse(healthy.stdout) as DoctorReport;
    expect(report.verdict).toEqual({ healthy: true, problems: [], line: 'fk:doctor: healthy' });
    expect(report.foreignKeys.map((fk) => fk.state)).toEqual(Array(14).fill('ok')); // 4 of snapshots and threads, 4 of growing-state elements, 6 of the LangGraph saver's tables
    expect(report.database).toBe(`PostgreSQL at ${url}`); // no password in the test URL

    await db().prisma.$executeRawUnsafe(DROP_SNAPSHOT_USER_FK);
    await insertOrphanSnapshots(db().prisma, GHOSTS);

    const broken = doctor(['--', '--json', '--days', '30'], { DATABASE_URL: url });
    expect(broken.status).toBe(1);
    const brokenReport = JSON.parse(broken.stdout) as DoctorReport;
    expect(brokenReport.refusals.days).toBe(30);
    expect(brokenReport.foreignKeys.find((fk) => fk.constraint === 'agent_state_snapshots_user_id_fkey')).toMatchObject({
      state: 'missing',
      orphans: { rows: 12, keys: 7 },
    });
    expect(brokenReport.verdict.line).toBe('fk:doctor: 3 problems (1 foreign key missing, 24 orphan rows)');

    const text = doctor([], { DATABASE_URL: url });
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^ {2}missing +agent_state_snapshots_user_id_fkey +agent_state_snapshots\(user_id\) -> userbase\(id\) +12$/m);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('fk:doctor: 3 problems (1 foreign key missing, 24 orphan rows)');
  }, 120_000);
});

describe('fk:doctor CLI on an embedded PGlite folder', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fk-doctor-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates a new folder on first use, as every entry point does, and reports it healthy', () => {
    const run = doctor([], { PGLITE_DATA_DIR: path.join(dir, 'pglite') });
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^fk:doctor report for embedded PGlite at .*\/pglite \(checked /);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('fk:doctor: healthy');
  }, 120_000);
});
