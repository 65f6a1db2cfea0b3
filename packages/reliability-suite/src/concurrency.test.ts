/**
 * Load, in each direct configuration the README recommends: PGlite (one
 * connection serialises everything), and PostgreSQL on a pool of 20 with and
 * without `sql: db.sql` (the pg-pool fast path). The same scenarios run
 * through PgBouncer in pooler.test.ts.
 */
import { describeEachDatabase } from '@agentstate/db/testing';
import { serviceWithLog } from './testing/helpers';
import { loadScenarios } from './testing/load';

const POOL_SIZE = 20;

describeEachDatabase(
  'concurrent saves',
  (db, kind) => {
    if (kind === 'pglite') {
      loadScenarios(__filename, 'pglite', () => ({ prisma: db().prisma, service: (env) => serviceWithLog(db().prisma, env).service }), false);
      return;
    }
    loadScenarios(__filename, 'postgresql, via Prisma', () => ({ prisma: db().prisma, service: (env) => serviceWithLog(db().prisma, env).service }), true);
    loadScenarios(__filename, 'postgresql, sql: db.sql', () => ({ prisma: db().prisma, service: (env) => serviceWithLog(db().prisma, env, { sql: db().sql! }).service }), true);
  },
  { poolSize: POOL_SIZE },
);
