import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAlive, readProcessRegistry, REGISTRY_ENV } from '@agentstate/jest-config/processes';
import { Client } from 'pg';
import { describeIfAvailable } from './describeEachDatabase';
import { pgbouncerAvailability, startPgBouncer } from './pgbouncer';
import { postgresAvailability } from './postgres';

function availability() {
  const server = postgresAvailability();
  return server.available ? pgbouncerAvailability() : server;
}

/** the config file the daemon was started with, from its command line */
const iniOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').find((arg) => arg.endsWith('pgbouncer.ini'))!;

describeIfAvailable('startPgBouncer: a real daemon, recorded for the run and gone after stop()', availability(), () => {
  it('records the daemon in the run\'s process registry, serves queries, and stop() leaves no process behind', async () => {
    const bouncer = await startPgBouncer({ mode: 'transaction' });
    let stopped = false;
    try {
      expect(isAlive({ pid: bouncer.pid })).toBe(true);
      const registry = readProcessRegistry(process.env[REGISTRY_ENV]!);
      expect(registry).toContainEqual(expect.objectContaining({ pid: bouncer.pid, what: expect.stringContaining(`PgBouncer (transaction mode) on 127.0.0.1:${bouncer.port}`), testPath: expect.stringContaining('pgbouncer.test.ts') }));
      const client = new Client({ connectionString: bouncer.urlFor('postgres') });
      await client.connect();
      try {
        expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await client.end();
      }
      const dir = dirname(iniOf(bouncer.pid));
      await bouncer.stop();
      stopped = true;
      expect(isAlive({ pid: bouncer.pid })).toBe(false);
      expect(() => readFileSync(join(dir, 'pgbouncer.ini'))).toThrow(/ENOENT/);
    } finally {
      if (!stopped) await bouncer.stop();
    }
  }, 60_000);

  it('stop() stops the daemon even when its pid file is gone (it signals the pid read at start)', async () => {
    const bouncer = await startPgBouncer({ mode: 'session' });
    rmSync(join(dirname(iniOf(bouncer.pid)), 'pgbouncer.pid'));
    await bouncer.stop();
    expect(isAlive({ pid: bouncer.pid })).toBe(false);
  }, 60_000);
});
