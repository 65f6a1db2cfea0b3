/**
 * Processes the tests start that can outlive them (PgBouncer daemons,
 * PostgreSQL servers of their own, CLI and HTTP server children) are written
 * down, one JSON line each, in a registry file of the Jest run; the run's
 * global teardown fails when one of them is still alive, and stops it so that
 * they do not pile up on a developer's machine or a CI host.
 *
 * The registry folder is made per run by the global setup and handed to the
 * workers through an environment variable; outside a Jest run (a script, a
 * vitest run) nothing is recorded.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_ENV = 'AGENTSTATE_TEST_PROCESSES_DIR';
const REGISTRY_FILE = 'processes.jsonl';

export interface TrackedProcess {
  pid: number;
  /** what it is, for the failure message, e.g. "PgBouncer (transaction mode) on 127.0.0.1:41234" */
  what: string;
  /** the pid leads a process group of its own (spawned detached): the whole group is checked and signalled */
  group?: boolean;
  /** the process's start time in clock ticks (/proc/<pid>/stat), so that a reused pid is not taken for it */
  startTicks?: string;
  /** the test file that started it */
  testPath?: string;
}

export class ProcessesLeftRunningError extends Error {
  readonly code = 'PROCESSES_LEFT_RUNNING';
  constructor(readonly processes: TrackedProcess[]) {
    super(
      `${processes.length} process(es) started by the tests outlived them (now stopped):\n${processes
        .map((p) => `  pid ${p.pid}${p.group ? ' (process group)' : ''}: ${p.what}${p.testPath ? ` — started by ${p.testPath}` : ''}`)
        .join('\n')}\nEvery helper that starts a process must stop it (afterAll, finally), and stop() must wait until it is gone.`,
    );
    this.name = 'ProcessesLeftRunningError';
  }
}

/** Global setup: a fresh registry folder for this run, announced to the workers through the environment. */
export function startProcessRegistry(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentstate-test-processes-'));
  process.env[REGISTRY_ENV] = dir;
  return dir;
}

/**
 * Records a process the tests started (nothing is written outside a Jest run
 * that has a registry). Returns the record, start time included: signal the
 * process through it (isAlive first), so that a reused pid is never signalled.
 */
export function trackProcess(tracked: Omit<TrackedProcess, 'startTicks'>, dir: string | undefined = process.env[REGISTRY_ENV]): TrackedProcess {
  const record: TrackedProcess = { ...tracked, testPath: tracked.testPath ?? currentTestPath() };
  const ticks = startTicks(tracked.pid);
  if (ticks) record.startTicks = ticks;
  // One short line per append (O_APPEND): workers never interleave records.
  if (dir) appendFileSync(join(dir, REGISTRY_FILE), `${JSON.stringify(record)}\n`);
  return record;
}

export function readProcessRegistry(dir: string): TrackedProcess[] {
  let text: string;
  try {
    text = readFileSync(join(dir, REGISTRY_FILE), 'utf8');
  } catch {
    return [];
  }
  const seen = new Set<string>();
  const records: TrackedProcess[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as TrackedProcess;
    const key = `${record.group ? '-' : ''}${record.pid}:${record.startTicks ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    records.push(record);
  }
  return records;
}

/** Whether the process (or, for a group, any member) still runs: zombies and reused pids do not count. */
export function isAlive(tracked: Pick<TrackedProcess, 'pid' | 'group' | 'startTicks'>): boolean {
  try {
    process.kill(tracked.group ? -tracked.pid : tracked.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user (a daemon run as `postgres` by a non-root test run)
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (tracked.group) return true;
  const stat = readStat(tracked.pid);
  if (!stat) return true; // no /proc: trust the signal check
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return !tracked.startTicks || stat.startTicks === tracked.startTicks;
}

/** SIGTERM, then SIGKILL for whatever is still alive after `graceMs`; resolves once all are gone or after a second bound. */
export async function stopProcesses(processes: Array<Pick<TrackedProcess, 'pid' | 'group' | 'startTicks'>>, graceMs = 5_000): Promise<void> {
  const signal = (p: (typeof processes)[number], sig: NodeJS.Signals) => {
    try {
      process.kill(p.group ? -p.pid : p.pid, sig);
    } catch {
      // gone meanwhile, or not ours to signal
    }
  };
  for (const p of processes) if (isAlive(p)) signal(p, 'SIGTERM');
  if (await waitUntil(() => processes.every((p) => !isAlive(p)), graceMs)) return;
  for (const p of processes) if (isAlive(p)) signal(p, 'SIGKILL');
  await waitUntil(() => processes.every((p) => !isAlive(p)), 5_000);
}

/**
 * Global teardown: throws ProcessesLeftRunningError when a recorded process
 * is still alive (after stopping it); removes the registry folder either way.
 */
export async function checkProcessRegistry(dir: string | undefined = process.env[REGISTRY_ENV]): Promise<void> {
  if (!dir) return;
  try {
    const alive = readProcessRegistry(dir).filter((p) => isAlive(p));
    if (alive.length === 0) return;
    await stopProcesses(alive);
    throw new ProcessesLeftRunningError(alive);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** state and start time (field 22, clock ticks since boot) from /proc/<pid>/stat; null where there is no /proc */
function readStat(pid: number): { state: string; startTicks: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // the command name (field 2) is in parentheses and may hold spaces: count fields after its closing one
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTicks: fields[19] ?? '' };
}

function startTicks(pid: number): string | undefined {
  return readStat(pid)?.startTicks || undefined;
}

function currentTestPath(): string | undefined {
  const expectGlobal = (globalThis as { expect?: { getState?: () => { testPath?: string } } }).expect;
  return expectGlobal?.getState?.().testPath;
}
