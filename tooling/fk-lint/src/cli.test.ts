import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES, PACKAGE_DIR } from './testing';

/** Runs the real launcher (bin/fk-lint.js -> tsx -> src/cli.ts) from the package folder. */
function fkLint(...args: string[]) {
  const run = spawnSync(process.execPath, [join(PACKAGE_DIR, 'bin/fk-lint.js'), ...args], { cwd: PACKAGE_DIR, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, lines: run.stdout.split('\n').filter((l) => l !== '') };
}

const CONNECT = "hint: use `user: { connect: { id } }` instead, or save through @agentstate/state-persistence's saveSnapshot, which provisions references per policy";
const many = (method: string, single: string) =>
  `hint: ${method} cannot connect relations; use ${single} with \`user: { connect: { id } }\` per row, or save through @agentstate/state-persistence's saveSnapshot, which provisions references per policy`;
const line = (at: string, method: string, hint: string) =>
  `${at}  AgentStateSnapshot.${method} sets FK scalar 'userId' of required relation 'user' -> User; ${hint}`;

const BAD_LINES = [
  line('fixtures/bad/create.ts:6:13', 'create', CONNECT),
  line('fixtures/bad/create.ts:12:13', 'create', CONNECT),
  line('fixtures/bad/create.ts:16:20', 'create', CONNECT),
  line('fixtures/bad/createMany.ts:7:9', 'createMany', many('createMany', 'create')),
  line('fixtures/bad/createMany.ts:8:9', 'createMany', many('createMany', 'create')),
  line('fixtures/bad/createMany.ts:15:32', 'createManyAndReturn', many('createManyAndReturn', 'create')),
  line('fixtures/bad/transaction.ts:8:15', 'create', CONNECT),
  line('fixtures/bad/update.ts:5:68', 'update', CONNECT),
  line('fixtures/bad/update.ts:11:13', 'updateMany', many('updateMany', 'update')),
  line('fixtures/bad/upsert.ts:7:19', 'upsert', CONNECT),
  line('fixtures/bad/upsert.ts:8:15', 'upsert', CONNECT),
];
const ALLOWED_LINE = line('fixtures/packages/state-persistence/src/saveSnapshot.ts:6:53', 'create', CONNECT);

describe('fk-lint CLI', () => {
  it('exits 1 with one file:line:col line per finding', () => {
    // the fixtures live outside packages/state-persistence/, so the default allow-list does not cover them
    const run = fkLint('--schema', 'fixtures/schema.prisma', 'fixtures');
    expect(run.lines).toEqual([...BAD_LINES, ALLOWED_LINE]);
    expect(run.stderr).toBe('fk-lint: 12 write(s) of required-relation FK scalars (7 file(s) checked, 0 allow-listed)\n');
    expect(run.status).toBe(1);
  });

  it('--allow replaces the default allow-list and accepts globs', () => {
    const run = fkLint('--schema', 'fixtures/schema.prisma', '--allow', '**/packages/state-persistence/**', 'fixtures/bad', 'fixtures/packages');
    expect(run.lines).toEqual(BAD_LINES);
    expect(run.stderr).toBe('fk-lint: 11 write(s) of required-relation FK scalars (5 file(s) checked, 1 allow-listed)\n');
    expect(run.status).toBe(1);
  });

  it('exits 0 and prints nothing on stdout when clean', () => {
    const run = fkLint('--schema', 'fixtures/schema.prisma', 'fixtures/good/relationWrites.ts', 'README.md');
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('fk-lint: no writes of required-relation FK scalars (1 file(s) checked, 0 allow-listed)\n');
    expect(run.status).toBe(0);
  });

  it('exits 2 on a missing schema, an unknown flag or a missing path', () => {
    const noSchema = fkLint('--schema', 'fixtures/missing.prisma', 'fixtures');
    expect(noSchema.stderr).toBe(`fk-lint: Prisma schema not found at ${join(FIXTURES, 'missing.prisma')} (pass --schema <file-or-dir>)\n`);
    expect(noSchema.status).toBe(2);

    const badFlag = fkLint('--fix');
    expect(badFlag.stderr.startsWith("fk-lint: Unknown option '--fix'")).toBe(true);
    expect(badFlag.status).toBe(2);

    const noPath = fkLint('--schema', 'fixtures/schema.prisma', 'fixtures/nope.ts');
    expect(noPath.stderr).toBe('fk-lint: no such file or directory: fixtures/nope.ts\n');
    expect(noPath.status).toBe(2);
  });

  it('lints the whole repo with the default schema when given no paths, skipping its own fixtures', () => {
    const run = fkLint();
    // other packages may legitimately have findings; fk-lint's deliberately bad fixtures never show up
    expect(run.status === 0 || run.status === 1).toBe(true);
    expect(run.lines.filter((l) => l.includes('fixtures/'))).toEqual([]);
    expect(run.stderr).toMatch(/^fk-lint: .*\(\d+ file\(s\) checked, \d+ allow-listed\)\n$/);
    for (const l of run.lines) expect(l).toMatch(/^[^\s:]+:\d+:\d+ {2}\w+\.\w+ sets FK scalar '\w+' of required relation '\w+' -> \w+; hint: /);
  });
});
