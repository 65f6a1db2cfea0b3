import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProcessRegistry, isAlive, ProcessesLeftRunningError, readProcessRegistry, trackProcess } from './processes';

const exited = (child: ChildProcess) => new Promise<NodeJS.Signals | number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.signalCode ?? child.exitCode) : child.once('exit', (code, signal) => resolve(signal ?? code))));
const freshDir = () => mkdtempSync(join(tmpdir(), 'agentstate-processes-test-'));

describe('the registry of processes the tests start (global teardown check)', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('fails when a recorded process is still alive, names it, and stops it', async () => {
    const dir = freshDir();
    const child = spawn('sleep', ['120'], { stdio: 'ignore' });
    children.push(child);
    trackProcess({ pid: child.pid!, what: 'a sleeping test daemon' }, dir);
    expect(readProcessRegistry(dir)).toEqual([expect.objectContaining({ pid: child.pid, what: 'a sleeping test daemon', startTicks: expect.stringMatching(/^\d+$/) })]);

    const error = await checkProcessRegistry(dir).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessesLeftRunningError);
    expect(error).toMatchObject({ code: 'PROCESSES_LEFT_RUNNING', processes: [expect.objectContaining({ pid: child.pid })] });
    expect((error as Error).message).toContain(`pid ${child.pid}: a sleeping test daemon`);
    expect(await exited(child)).toBe('SIGTERM');
    expect(existsSync(dir)).toBe(false);
  });

  it('passes when every recorded process has exited (including one not yet reaped)', async () => {
    const dir = freshDir();
    const done = spawn('true', { stdio: 'ignore' });
    await exited(done);
    trackProcess({ pid: done.pid!, what: 'exited' }, dir);
    await expect(checkProcessRegistry(dir)).resolves.toBeUndefined();
    expect(existsSync(dir)).toBe(false);
  });

  it('checks a process group as a whole: a member outliving its leader still fails the check', async () => {
    const dir = freshDir();
    // the leader exits at once; the sleep it started stays in its group
    const leader = spawn('sh', ['-c', 'sleep 120 & exit 0'], { stdio: 'ignore', detached: true });
    await exited(leader);
    trackProcess({ pid: leader.pid!, what: 'a server under a launcher', group: true }, dir);
    expect(isAlive({ pid: leader.pid!, group: true })).toBe(true);
    await expect(checkProcessRegistry(dir)).rejects.toThrow(ProcessesLeftRunningError);
    expect(isAlive({ pid: leader.pid!, group: true })).toBe(false);
  });

  it('does not take a reused pid for the recorded process (start time differs)', () => {
    const me = readProcessRegistry('/nonexistent');
    expect(me).toEqual([]);
    expect(isAlive({ pid: process.pid })).toBe(true);
    expect(isAlive({ pid: process.pid, startTicks: '1' })).toBe(false);
  });

  it('records nothing outside a run with a registry', () => {
    expect(() => trackProcess({ pid: process.pid, what: 'x' }, undefined)).not.toThrow();
  });
});
