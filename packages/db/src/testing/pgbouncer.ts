/**
 * A real PgBouncer (Debian's package, 1.18: no prepared statement support in
 * transaction mode) in front of the test server, on a spare loopback port,
 * for tests of what hosted PostgreSQL behind a pooler does. Started per test
 * file, stopped by the test. As root it runs as the `postgres` user
 * (PgBouncer refuses to run as root). The daemon is recorded in the Jest
 * run's process registry: the run fails if it outlives the tests.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, stopProcesses, trackProcess, type TrackedProcess } from '@agentstate/jest-config/processes';
import { testServerUrl } from './postgres';

export type PoolMode = 'transaction' | 'session';

export interface RunningPgBouncer {
  mode: PoolMode;
  port: number;
  /** the daemon's pid (recorded in the Jest run's process registry) */
  pid: number;
  /** a URL of `database` through the pooler, with Prisma's `?pgbouncer=true` when `flag` is set */
  urlFor(database: string, options?: { flag?: boolean }): string;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

/** Where PgBouncer is, or why it cannot run here (one line). */
export function pgbouncerAvailability(): { available: true; binary: string } | { available: false; reason: string } {
  const binary = CANDIDATES.find((path) => existsSync(path));
  if (!binary) return { available: false, reason: 'PgBouncer is not installed (apt-get install pgbouncer; .ci/run installs it in CI)' };
  return { available: true, binary };
}

/** A free loopback port (bound, read, released). */
export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startPgBouncer(options: { mode: PoolMode; poolSize?: number }): Promise<RunningPgBouncer> {
  const availability = pgbouncerAvailability();
  if (!availability.available) throw new Error(availability.reason);
  const server = new URL(testServerUrl());
  const user = decodeURIComponent(server.username || 'postgres');
  const dir = mkdtempSync(join(tmpdir(), 'agentstate-pgbouncer-'));
  chmodSync(dir, 0o777); // the postgres user writes its pid and log here
  const port = await sparePort();
  const ini = join(dir, 'pgbouncer.ini');
  const pidFile = join(dir, 'pgbouncer.pid');
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`);
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=${server.hostname || '127.0.0.1'} port=${server.port || '5432'}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `pool_mode = ${options.mode}`,
      `default_pool_size = ${options.poolSize ?? 8}`,
      'max_client_conn = 500',
      'ignore_startup_parameters = extra_float_digits,options',
      `pidfile = ${pidFile}`,
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? ['runuser', ['-u', 'postgres', '--', availability.binary, '-d', ini]] : [availability.binary, ['-d', ini]];
  const started = spawnSync(command[0] as string, command[1] as string[], { encoding: 'utf8', timeout: 15_000 });
  if (started.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PgBouncer did not start: ${started.stderr || started.stdout || started.error?.message}`);
  }
  // -d returns once the daemon has forked; it writes its pid file and listens a moment later.
  let daemon: TrackedProcess | undefined;
  try {
    daemon = trackProcess({ pid: await waitForPidFile(pidFile, 10_000), what: `PgBouncer (${options.mode} mode) on 127.0.0.1:${port}, ${ini}` });
    await waitForPort(port, 10_000);
  } catch (error) {
    if (daemon) await stopProcesses([daemon], 5_000);
    const log = readLog(dir);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n--- pgbouncer.log ---\n${log}`);
  }
  const tracked = daemon;

  return {
    mode: options.mode,
    port,
    pid: tracked.pid,
    urlFor(database, urlOptions = {}) {
      const url = new URL(testServerUrl());
      url.hostname = '127.0.0.1';
      url.port = String(port);
      url.pathname = `/${database}`;
      if (urlOptions.flag) url.searchParams.set('pgbouncer', 'true');
      return url.toString();
    },
    /** SIGTERM (PgBouncer's immediate shutdown), SIGKILL if it is still there after 10 s; resolves once it is gone. */
    async stop() {
      // The pid read at start: the pid file may be gone or not yet written when stop() runs.
      await stopProcesses([tracked], 10_000);
      rmSync(dir, { recursive: true, force: true });
      if (isAlive(tracked)) throw new Error(`PgBouncer (pid ${tracked.pid}) is still running after SIGTERM and SIGKILL`);
    },
  };
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'pgbouncer.log'), 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}

async function waitForPidFile(file: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
    if (Number.isInteger(pid) && pid > 1) return pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`PgBouncer wrote no pid file (${file}) within ${timeoutMs} ms`);
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`PgBouncer did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}
