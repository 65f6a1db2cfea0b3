import { ConfigError } from './errors';
import { compileMatcher, globToRegExp, toRepoPath } from './pathMatch';

const ROOT = '/repo';

describe('compileMatcher', () => {
  it('treats a plain path as a folder (or file) prefix on segment boundaries', () => {
    const allowed = compileMatcher('packages/state-persistence/', ROOT);
    expect(allowed('packages/state-persistence/src/save.ts')).toBe(true);
    expect(allowed('packages/state-persistence')).toBe(true);
    expect(allowed('packages/state-persistence-extra/src/x.ts')).toBe(false);
    expect(allowed('apps/api/packages/state-persistence/x.ts')).toBe(false);
    expect(compileMatcher('./apps/api/src/seed.ts', ROOT)('apps/api/src/seed.ts')).toBe(true);
  });

  it('makes absolute patterns repo-relative', () => {
    expect(compileMatcher('/repo/packages/db', ROOT)('packages/db/src/index.ts')).toBe(true);
    expect(compileMatcher('/repo/packages/db', ROOT)('packages/dbx/src/index.ts')).toBe(false);
  });

  it('matches globs against the whole repo-relative path', () => {
    const seeds = compileMatcher('apps/*/src/**/*.seed.ts', ROOT);
    expect(seeds('apps/api/src/a.seed.ts')).toBe(true);
    expect(seeds('apps/api/src/deep/er/b.seed.ts')).toBe(true);
    expect(seeds('apps/api/nested/src/a.seed.ts')).toBe(false);
    expect(seeds('apps/api/src/a.seed.tsx')).toBe(false);
    const anyGenerated = compileMatcher('**/generated/**', ROOT);
    expect(anyGenerated('generated/x.ts')).toBe(true);
    expect(anyGenerated('packages/db/src/generated/prisma/client.ts')).toBe(true);
    expect(anyGenerated('packages/db/src/generatedStuff.ts')).toBe(false);
  });

  it('supports ?, [...] and {a,b}', () => {
    expect(globToRegExp('src/{a,b}/?.ts').test('src/b/x.ts')).toBe(true);
    expect(globToRegExp('src/{a,b}/?.ts').test('src/c/x.ts')).toBe(false);
    expect(globToRegExp('src/[!x]*.ts').test('src/y.ts')).toBe(true);
    expect(globToRegExp('src/[!x]*.ts').test('src/x.ts')).toBe(false);
    expect(globToRegExp('a.b+c.ts').test('axb+c.ts')).toBe(false);
  });

  it('rejects an empty pattern instead of allowing everything', () => {
    expect(() => compileMatcher('  ', ROOT)).toThrow(ConfigError);
  });
});

describe('toRepoPath', () => {
  it('uses / separators relative to the root', () => {
    expect(toRepoPath('/repo', '/repo/packages/db/src/a.ts')).toBe('packages/db/src/a.ts');
  });
});
