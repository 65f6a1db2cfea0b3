import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readProcessRegistry, REGISTRY_ENV } from '@agentstate/jest-config/processes';
import { describeWithLocalPostgres } from './describeWithLocalPostgres';
import { LocalPostgres } from './localPostgres';

describeWithLocalPostgres('LocalPostgres: every postmaster it starts is recorded, and destroy() leaves none running', (binaries) => {
  it('records the postmaster of each start; stop/start and destroy leave no server behind', async () => {
    const pg = await LocalPostgres.create(binaries());
    try {
      const first = pg.pid!;
      expect(isAlive({ pid: first })).toBe(true);
      await pg.stop('fast');
      expect(isAlive({ pid: first })).toBe(false);
      await pg.start();
      const second = pg.pid!;
      expect(second).not.toBe(first);
      const recorded = readProcessRegistry(process.env[REGISTRY_ENV]!).map((p) => p.pid);
      expect(recorded).toEqual(expect.arrayContaining([first, second]));
      pg.destroy();
      expect(isAlive({ pid: second })).toBe(false);
      expect(existsSync(pg.root)).toBe(false);
    } finally {
      pg.destroy();
    }
  }, 120_000);

  it('destroy() stops the server even when pg_ctl cannot find it (postmaster.pid gone): it signals the postmaster it started', async () => {
    const pg = await LocalPostgres.create(binaries());
    try {
      const pid = pg.pid!;
      rmSync(join(pg.dataDir, 'postmaster.pid'));
      pg.destroy();
      expect(isAlive({ pid })).toBe(false);
    } finally {
      pg.destroy();
    }
  }, 120_000);
});
