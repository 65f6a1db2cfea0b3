import { describePostgres } from '@agentstate/db/testing';
import { main } from './main';
import type { DoctorReport } from './index';
import { insertOrphanSnapshots, rawControlCharacters } from './testing';

/** Runs the CLI in-process with its own environment (never the test process's DATABASE_URL). */
async function run(argv: string[], env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, env);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('fk:doctor CLI (in-process)', () => {
  it('prints the usage with --help and exits 0 without touching a database', async () => {
    const result = await run(['--help'], { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^usage: pnpm fk:doctor/);
  });

  it('exits 2 with the usage on a bad argument', async () => {
    const result = await run(['--days', 'week'], {});
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^fk:doctor: --days must be a whole number of days from 1 to 36500, got "week"\n\nusage: /);
  });

  it('exits 2 when DATABASE_URL is not a PostgreSQL URL, password redacted', async () => {
    const result = await run([], { DATABASE_URL: 'mysql://app:s3cret@db/app' });
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'fk:doctor: DATABASE_URL must be a postgresql:// URL (got "mysql://app:***@db/app")' });
  });

  it('exits 2 with a one-line reason when the server cannot be reached, password redacted', async () => {
    const result = await run(['--json'], { DATABASE_URL: 'postgresql://app:s3cret@127.0.0.1:1/app' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^fk:doctor: cannot check PostgreSQL at postgresql:\/\/app:\*\*\*@127\.0\.0\.1:1\/app: .*reach database server/);
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toContain('\n');
  });
});

describePostgres('fk:doctor CLI (in-process) with hostile values in the database (issue 26, point 6)', (db) => {
  // a fake verdict line, terminal escapes, an 8-bit CSI (C1), a line separator, a bidi override
  const values = ['ghost\nfk:doctor: healthy', '\u001b[2J\u001b[32mfine', 'c1\u009b31m', 'ls\u2028ps\u2029', 'rtl\u202efdp.exe'];

  it('text: exit 1, every value escaped, the verdict the only verdict line; --json: valid JSON giving the values back, with nothing raw a terminal acts on', async () => {
    await insertOrphanSnapshots(db().prisma, Object.fromEntries(values.map((v) => [v, 1])));
    const env = { DATABASE_URL: db().url };

    const text = await run([], env);
    expect(text.code).toBe(1);
    expect(rawControlCharacters(text.stdout)).toEqual([]);
    expect(text.stdout.split('\n').filter((line) => line.startsWith('fk:doctor:'))).toEqual(['fk:doctor: 2 problems (10 orphan rows)']);
    expect(text.stdout).toContain('user_id=ghost\\u{A}fk:doctor: healthy (1 row)');

    const json = await run(['--json'], env);
    expect(json.code).toBe(1);
    expect(rawControlCharacters(json.stdout)).toEqual([]);
    const report = JSON.parse(json.stdout) as DoctorReport;
    const userFk = report.foreignKeys.find((fk) => fk.constraint === 'agent_state_snapshots_user_id_fkey');
    expect(userFk?.orphans.examples.map((e) => e.key.user_id).sort()).toEqual(values.slice(0, 5).sort());
    expect(userFk?.orphans.keys).toBe(5);
  });
});
