import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokenLinks, headingAnchors, linkTargets, markdownFiles } from './docLinks';

const root = join(__dirname, '..', '..', '..');


describe('links between the docs', () => {
  const files = markdownFiles(root);

  it('reads the root README, the docs pages and the package READMEs', () => {
    for (const file of ['README.md', 'CHANGELOG.md', 'docs/README.md', 'docs/performance.md', 'docs/guides/langgraph.md', 'packages/write-path/README.md']) {
      expect(files).toContain(file);
    }
  });

  it.each(markdownFiles(root))('%s: every relative link points at an existing file (and heading)', (file) => {
    expect(brokenLinks(root, file)).toEqual([]);
  });

  it('every docs page is linked from docs/README.md', () => {
    const index = new Set(linkTargets(readFileSync(join(root, 'docs', 'README.md'), 'utf8')).map((t) => t.split('#')[0]));
    for (const file of files.filter((f) => f.startsWith('docs/') && f !== 'docs/README.md')) expect(index).toContain(file.slice('docs/'.length));
  });
});

describe('the root README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('is an entry page: short, with the problem, the commands, a quick start, the package map and the docs', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(160);
    for (const heading of ['## The problem', '## The product', '## The two commands', '## Quick start', '## Packages', '## Documentation']) expect(readme).toContain(`\n${heading}\n`);
  });

  it("states the supported Node versions as package.json's engines does", () => {
    const { engines } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(readme).toContain(`\`engines\` in \`package.json\`: \`${engines.node}\``);
  });

  it('links the README of every package, app and tooling folder that has one (the package map)', () => {
    const linked = new Set(linkTargets(readme));
    const folders = ['packages', 'apps', 'tooling'].flatMap((group) => readdirSync(join(root, group)).map((name) => `${group}/${name}`));
    const withReadme = folders.filter((folder) => existsSync(join(root, folder, 'README.md')));
    expect(withReadme.length).toBeGreaterThan(15);
    const unlinked = withReadme.filter((folder) => !linked.has(`${folder}/README.md`));
    expect(unlinked).toEqual([]);
  });
});

describe('brokenLinks (the check can fail)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'doc-links-'));
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'a.md'), '# A page\n\n## `pnpm fk:doctor`\n\n## Behind a pooler (PgBouncer, hosted)\n');
    writeFileSync(
      join(dir, 'README.md'),
      [
        '[ok](docs/a.md) [ok heading](docs/a.md#pnpm-fkdoctor) [ok 2](docs/a.md#behind-a-pooler-pgbouncer-hosted)',
        '[gone](docs/missing.md) [bad heading](docs/a.md#nope) [pending](docs/later.md) [web](https://example.com/x.md)',
        '`[in code](docs/nowhere.md)`',
        '```md\n[in a fence](docs/nowhere.md)\n```',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a missing file and a missing heading, and nothing in code or on the web', () => {
    expect(brokenLinks(dir, 'README.md', ['docs/later.md'])).toEqual([
      { file: 'README.md', target: 'docs/missing.md', problem: 'missing file' },
      { file: 'README.md', target: 'docs/a.md#nope', problem: 'missing heading' },
    ]);
    expect(brokenLinks(dir, 'README.md').map((b) => b.target)).toContain('docs/later.md');
  });

  it('slugs headings as GitHub does, repeats numbered', () => {
    expect([...headingAnchors('# Options\n## createStatePersistence\n## Options\n### Deploy an app\n')]).toEqual(['options', 'createstatepersistence', 'options-1', 'deploy-an-app']);
  });
});
