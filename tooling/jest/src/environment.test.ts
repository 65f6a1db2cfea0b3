import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, REGISTRY_ENV } from './processes';

describe('the shared config fails a run that leaves something behind', () => {
  it('names the file that left a handle open, and the process that outlived the run (then stopped)', () => {
    const work = mkdtempSync(join(tmpdir(), 'agentstate-jest-fixture-'));
    const pidFile = join(work, 'pid');
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, FIXTURE_PID_FILE: pidFile };
      delete env[REGISTRY_ENV];
      const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', join(__dirname, '..', 'fixtures', 'jest.config.js'), '--runInBand', '--ci'], {
        cwd: join(__dirname, '..'),
        env,
        encoding: 'utf8',
        timeout: 90_000,
      });
      const output = `${run.stdout}\n${run.stderr}`;
      expect(run.status).not.toBe(0);
      expect(output).toMatch(/leavesTimer\.fixture\.js left 1 handle\(s\) open after its last hook[^\n]*\n\s*timer of 5000 ms: /);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(output).toContain(`pid ${pid} (process group): a fixture daemon`);
      expect(output).toContain('leavesProcess.fixture.js');
      expect(isAlive({ pid, group: true })).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
