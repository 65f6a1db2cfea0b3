/**
 * What a new user and a deployment see, from a fresh clone of the committed
 * HEAD (uncommitted changes are not part of it): `pnpm install`, then every
 * root script docs/development.md documents, in its quickest form, with nothing
 * generated or built beforehand; then `pnpm build` and `pnpm deploy` of the
 * demo app into a folder outside the clone, the clone deleted, and the
 * deployed app run under plain `node` against PostgreSQL: migrations, the
 * story and the HTTP server.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@agentstate/db';
import { createEmptyPostgresDatabase, describeWithPostgresServer } from '@agentstate/db/testing';
import { cleanEnv, pnpm, pnpmCommand, run, startServer, tail, type Ran } from './commands';

const SECRET = 'release-check-secret-release-check-secret';
const work = mkdtempSync(join(tmpdir(), 'agentstate-release-'));
const clone = join(work, 'repo');
const deployed = join(work, 'deployed');
const env = cleanEnv({ PGLITE_DATA_DIR: join(work, 'pglite'), AGENT_STATE_ENV: 'development', AUTH_JWT_SECRET: SECRET });

function expectOk(ran: Ran): void {
  if (ran.status !== 0) throw new Error(tail(ran));
}

describeWithPostgresServer('from a fresh clone', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('clones HEAD and installs with pnpm; installing generates the Prisma client', () => {
    const root = findRepoRoot(__dirname);
    if (!root) throw new Error('not inside the repository');
    expectOk(run('git', ['clone', '--quiet', root, clone], work, env));
    process.stderr.write(`release-check: ${run('git', ['log', '-1', '--format=%h %s'], clone, env).stdout.trim()}\n`);
    expectOk(pnpm(['install', '--frozen-lockfile', '--reporter=append-only'], clone, env));
    expect(existsSync(join(clone, 'packages/db/src/generated/prisma/client.ts'))).toBe(true);
  }, 300_000);

  it.each([
    ['db:migrate', ['db:migrate'], /Applied \d+ migration/],
    ['db:seed', ['db:seed'], /inserted: dev-temp-local/],
    ['fk:doctor', ['fk:doctor'], /fk:doctor: healthy/],
    ['db:migration:create (no schema change)', ['db:migration:create', 'check'], /No changes/],
    ['bench --quick', ['bench', '--', '--quick'], /wrote .*latest\.json/],
    // npm test typechecks and lints everything; here the root scripts' own path, on one package each
    ['typecheck (one package)', ['typecheck', '--filter=@agentstate/policy'], /Tasks: +\d+ successful/],
    ['lint (fk-lint over the repo)', ['lint', '--filter=@agentstate/fk-lint'], /fk-lint: no writes/],
    ['build', ['build'], /Tasks: +\d+ successful/],
  ])('pnpm %s works right after install', (_name, args, expected) => {
    const ran = pnpm(args, clone, env, 600_000);
    expectOk(ran);
    expect(`${ran.stdout}\n${ran.stderr}`).toMatch(expected);
  }, 600_000);

  it('pnpm --filter @agentstate/demo serve starts the HTTP API', async () => {
    const [command, prefix] = pnpmCommand();
    const server = await startServer(command, [...prefix, '--filter', '@agentstate/demo', 'serve', '--port', '0'], clone, env);
    try {
      const response = await fetch(`${server.url}/users/dev-temp-x/snapshots`);
      expect(response.status).toBeGreaterThanOrEqual(200);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('pnpm deploy gives a folder that runs under plain node with the clone gone: migrations, the story, the HTTP server', async () => {
    expectOk(pnpm(['deploy', '--filter', '@agentstate/demo', '--prod', deployed], clone, env, 300_000));
    rmSync(clone, { recursive: true, force: true });
    const database = await createEmptyPostgresDatabase();
    try {
      const onPostgres = cleanEnv({ DATABASE_URL: database.url, AGENT_STATE_ENV: 'development', AUTH_JWT_SECRET: SECRET });
      const migrated = run(join(deployed, 'node_modules/.bin/agentstate-migrate'), [], deployed, onPostgres);
      expectOk(migrated);
      expect(migrated.stdout).toMatch(/from .*deployed.*dist\/prisma\/migrations/);
      expect(migrated.stdout).toMatch(/Applied \d+ migration/);
      const story = run(process.execPath, ['dist/main.js'], deployed, onPostgres);
      expectOk(story);
      expect(story.stdout).toContain('== Done ==');
      const server = await startServer(process.execPath, ['dist/main.js', 'serve', '--port', '0'], deployed, onPostgres);
      let stopped = false;
      try {
        const response = await fetch(`${server.url}/users/dev-temp-x/snapshots`);
        expect(response.status).toBeGreaterThanOrEqual(200);
        stopped = true;
        expect(await server.stop()).toBe(0);
      } finally {
        if (!stopped) await server.stop();
      }
    } finally {
      await database.drop();
    }
  }, 600_000);
});
