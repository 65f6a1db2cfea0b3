/**
 * A throwaway PostgreSQL server of its own (never the shared one), started
 * from the machine's binaries on a spare loopback port, for tests that stop
 * and restart the database. PostgreSQL refuses to run as root, so as root the
 * server runs as the `postgres` OS user (runuser, else su). Each postmaster
 * started is recorded in the Jest run's process registry: the run fails if
 * one outlives the tests.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, trackProcess, type TrackedProcess } from '@agentstate/jest-config/processes';

export interface PostgresBinaries {
  dir: string;
  initdb: string;
  pgCtl: string;
  /** how commands are run: [] as a normal user, ['runuser', '-u', 'postgres', '--'] (or su) as root */
  runAs: RunAs;
}

type RunAs = { kind: 'self' } | { kind: 'runuser' | 'su'; user: string; uid: number; gid: number };

export type BinariesLookup = { found: true; binaries: PostgresBinaries } | { found: false; reason: string };

const TOOLS = ['initdb', 'pg_ctl', 'postgres'];

/** Candidate bin folders, newest major version first: PG_BIN_DIR, /usr/lib/postgresql/<v>/bin, /usr/local/pgsql/bin, then PATH. */
function candidateDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.PG_BIN_DIR) dirs.push(process.env.PG_BIN_DIR);
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+(\.\d+)?$/.test(v));
    versions.sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // no Debian-style install
  }
  dirs.push('/usr/local/pgsql/bin', ...(process.env.PATH ?? '').split(':').filter(Boolean));
  return dirs;
}

export function findPostgresBinaries(dirs: string[] = candidateDirs()): BinariesLookup {
  const dir = dirs.find((d) => TOOLS.every((tool) => existsSync(join(d, tool))));
  if (!dir) return { found: false, reason: `no PostgreSQL server binaries (${TOOLS.join(', ')}) in /usr/lib/postgresql/*/bin, /usr/local/pgsql/bin or PATH; set PG_BIN_DIR` };
  const runAs = resolveRunAs();
  if ('reason' in runAs) return { found: false, reason: runAs.reason };
  return { found: true, binaries: { dir, initdb: join(dir, 'initdb'), pgCtl: join(dir, 'pg_ctl'), runAs } };
}

function resolveRunAs(): RunAs | { reason: string } {
  if (process.getuid?.() !== 0) return { kind: 'self' };
  const user = 'postgres';
  const id = (flag: string) => spawnSync('id', [flag, user], { encoding: 'utf8', timeout: 5_000 });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) return { reason: 'running as root and there is no "postgres" OS user to run the server as (PostgreSQL refuses to run as root)' };
  const hasRunuser = spawnSync('sh', ['-c', 'command -v runuser'], { timeout: 5_000 }).status === 0;
  return { kind: hasRunuser ? 'runuser' : 'su', user, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** argv for running `command args…` as the server's OS user. */
function asServerUser(runAs: RunAs, command: string, args: string[]): [string, string[]] {
  if (runAs.kind === 'self') return [command, args];
  if (runAs.kind === 'runuser') return ['runuser', ['-u', runAs.user, '--', command, ...args]];
  const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['su', [runAs.user, '-s', '/bin/sh', '-c', quoted]];
}

interface RunResult {
  code: number | null;
  output: string;
}

function runAsync(runAs: RunAs, command: string, args: string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  const [cmd, argv] = asServerUser(runAs, command, args);
  return new Promise((resolve) => {
    execFile(cmd, argv, { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}${error && code === null ? `\n${error.message}` : ''}`.trim() });
    });
  });
}

function runSync(runAs: RunAs, command: string, args: string[], cwd: string, timeoutMs: number): RunResult {
  const [cmd, argv] = asServerUser(runAs, command, args);
  const result = spawnSync(cmd, argv, { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}`.trim() };
}

export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const COMMAND_TIMEOUT_MS = 60_000;
const PG_CTL_WAIT_SECONDS = '30';

export class LocalPostgres {
  private running = false;
  private destroyed = false;
  /** the postmaster of the last start, read from postmaster.pid (which a clean stop removes), with its start time */
  private postmaster: TrackedProcess | undefined;

  private constructor(
    private readonly binaries: PostgresBinaries,
    /** the fresh temp folder holding the data dir, the socket and the log */
    readonly root: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return join(this.root, 'data');
  }

  get logFile(): string {
    return join(this.root, 'server.log');
  }

  /** superuser connection to the instance's `postgres` database, over TCP on 127.0.0.1 */
  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** the postmaster's pid since the last start (recorded in the Jest run's process registry) */
  get pid(): number | undefined {
    return this.postmaster?.pid;
  }

  /** initdb into a fresh temp folder, then start on a spare port. Cleans up after itself if any step fails. */
  static async create(binaries: PostgresBinaries): Promise<LocalPostgres> {
    const root = mkdtempSync(join(tmpdir(), 'agentstate-reliability-pg-'));
    if (binaries.runAs.kind !== 'self') chownSync(root, binaries.runAs.uid, binaries.runAs.gid);
    const instance = new LocalPostgres(binaries, root, await sparePort());
    try {
      const init = await runAsync(binaries.runAs, binaries.initdb, ['-D', instance.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], root, COMMAND_TIMEOUT_MS);
      if (init.code !== 0) throw new Error(`initdb failed (exit ${init.code}): ${init.output.slice(-2000)}`);
      await instance.start();
      return instance;
    } catch (error) {
      instance.destroy();
      throw error;
    }
  }

  /** pg_ctl start -w: returns once the server accepts connections (bounded). */
  async start(): Promise<void> {
    if (this.destroyed) throw new Error('LocalPostgres: already destroyed');
    const options = `-c listen_addresses=127.0.0.1 -p ${this.port} -k ${this.root} -c max_connections=60`;
    const result = await runAsync(this.binaries.runAs, this.binaries.pgCtl, ['start', '-D', this.dataDir, '-l', this.logFile, '-w', '-t', PG_CTL_WAIT_SECONDS, '-o', options], this.root, COMMAND_TIMEOUT_MS);
    const pid = this.readPostmasterPid();
    if (pid) this.postmaster = trackProcess({ pid, what: `PostgreSQL server on 127.0.0.1:${this.port} (pg_ctl -D ${this.dataDir})` });
    if (result.code !== 0) throw new Error(`pg_ctl start failed (exit ${result.code}): ${result.output.slice(-1000)}\n--- server log ---\n${this.logTail()}`);
    this.running = true;
    // destroy() ran while pg_ctl was starting it (an afterAll after a timed-out test): do not leave it running
    if (this.destroyed) this.stopPostmaster();
  }

  /** pg_ctl stop -w with the given shutdown mode ('fast': roll back sessions, checkpoint; 'immediate': crash-like, recovery on next start). */
  async stop(mode: 'smart' | 'fast' | 'immediate' = 'fast'): Promise<void> {
    const result = await runAsync(this.binaries.runAs, this.binaries.pgCtl, ['stop', '-D', this.dataDir, '-m', mode, '-w', '-t', PG_CTL_WAIT_SECONDS], this.root, COMMAND_TIMEOUT_MS);
    if (result.code !== 0) throw new Error(`pg_ctl stop -m ${mode} failed (exit ${result.code}): ${result.output.slice(-1000)}\n--- server log ---\n${this.logTail()}`);
    this.running = false;
  }

  logTail(chars = 3000): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-chars);
    } catch {
      return '(no server log)';
    }
  }

  /**
   * Stops the server (immediate mode) and removes the temp folder. Synchronous
   * and idempotent: safe in afterAll and on exit. Falls back to signalling the
   * postmaster it started (SIGQUIT, then SIGKILL) if pg_ctl cannot stop it.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.stopPostmaster();
    this.running = false;
    rmSync(this.root, { recursive: true, force: true });
  }

  private stopPostmaster(): void {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      runSync(this.binaries.runAs, this.binaries.pgCtl, ['stop', '-D', this.dataDir, '-m', 'immediate', '-w', '-t', PG_CTL_WAIT_SECONDS], this.root, COMMAND_TIMEOUT_MS);
    }
    const postmaster = this.postmaster;
    if (!postmaster) return;
    // pg_ctl waits for postmaster.pid to go; make sure the process did too (this instance's own postmaster, same start time).
    for (const signal of ['SIGQUIT', 'SIGKILL'] as const) {
      if (!isAlive(postmaster)) return;
      try {
        process.kill(postmaster.pid, signal);
      } catch {
        return; // already gone
      }
      const deadline = Date.now() + 5_000;
      while (isAlive(postmaster) && Date.now() < deadline) sleepSync(50);
    }
  }

  private readPostmasterPid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 1 ? pid : undefined;
    } catch {
      return undefined;
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
