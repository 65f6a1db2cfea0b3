/**
 * CPU time of the PostgreSQL backends connected to the bench database, read
 * from /proc. On a 2-core machine shared by client and server, throughput is
 * bounded by CPU per operation, so this tells where a save's cost goes.
 * Only meaningful when the server runs on this machine; otherwise disabled.
 * Background processes (WAL writer, checkpointer, autovacuum) are not counted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';

export interface ServerCpuSampler {
  /** backend pid -> CPU milliseconds so far */
  sample(): Promise<Map<number, number>>;
  close(): Promise<void>;
}

/** CPU milliseconds spent between two samples (backends that appeared meanwhile count from zero). */
export function cpuDeltaMs(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

function cpuMsOf(pid: number, msPerTick: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is the 1st, utime the 12th, stime the 13th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * msPerTick;
  } catch {
    return null; // the backend exited meanwhile
  }
}

export async function createServerCpuSampler(databaseUrl: string): Promise<ServerCpuSampler | null> {
  const host = new URL(databaseUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host) || !existsSync('/proc/self/stat')) return null;
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {}); // the database is dropped with FORCE at the end (or on Ctrl-C)
  await client.connect();
  const msPerTick = 1000 / clockTicksPerSecond();
  const own = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  // The server must be visible in our /proc (same machine, same pid namespace).
  if (cpuMsOf(own.rows[0]?.pid ?? -1, msPerTick) === null) {
    await client.end();
    return null;
  }
  return {
    async sample() {
      const { rows } = await client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      const result = new Map<number, number>();
      for (const { pid } of rows) {
        const ms = cpuMsOf(pid, msPerTick);
        if (ms !== null) result.set(pid, ms);
      }
      return result;
    },
    close: () => client.end(),
  };
}
