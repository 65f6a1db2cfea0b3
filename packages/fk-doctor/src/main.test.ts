import { main } from './main';

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
