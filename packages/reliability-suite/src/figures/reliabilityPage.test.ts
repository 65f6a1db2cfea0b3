// The reliability page's generator, on a small fixture (no database): every figure shown once, under its topic, with
// its summary and values, after the run's date, Node, machine and load; and the markers that bound the block.
// Then docs/reliability.md itself: its block is exactly what the generator makes of the committed
// docs/results/reliability.json (a whole run of this suite), and its hand-written text quotes no number the block
// does not show.
import { readFileSync } from 'node:fs';
import type { ReliabilityReport } from './figures';
import {
  BEGIN_MARKER,
  END_MARKER,
  OTHER_TOPIC,
  RELIABILITY_PAGE,
  RELIABILITY_RESULTS,
  TOPICS,
  generatedBlock,
  notAPageRun,
  reliabilityFigures,
  replaceGeneratedBlock,
  topicOf,
} from './reliabilityPage';

/** The numbers of a page's hand-written text (outside the block, link targets and code spans left out) that its block does not show. */
function unbackedNumbers(page: string): string[] {
  const block = generatedBlock(page);
  const outside = page.replace(block, '').replace(/\]\([^)]*\)/g, ']').replace(/`[^`]*`/g, '');
  const shown = new Set(block.match(/\d+(?:[.,]\d+)*/g) ?? []);
  return [...new Set(outside.match(/\b\d+(?:[.,]\d+)*\b/g) ?? [])].filter((n) => !shown.has(n));
}

function fixture(): ReliabilityReport {
  return {
    meta: {
      startedAt: '2026-12-07T05:00:00.000Z',
      finishedAt: '2026-12-07T05:10:00.000Z',
      wallSeconds: 600,
      node: '22.23.5',
      platform: 'linux-x64',
      cpus: 2,
      loadAverageAtStart: [3.04, 2.5, 1.96],
      loadAverage: [7.21, 5, 4.44],
      postgres: '15.20 (Debian 15.20-0+deb12u1)',
      pgbouncer: 'PgBouncer 1.18.0',
      selection: null,
    },
    figures: {
      'restart.postgresql': { summary: '2 PostgreSQL restarts under a stream of 368 saves: 148 acknowledged, 0 lost', restarts: 2, acknowledged: 148, acknowledgedLost: 0, sample: 'line one\n  <line two>' },
      'concurrency.pglite.firstSaves': { summary: '200 concurrent first saves for 1 new dev user [pglite, 1 connection]: 0 errors', saves: 200, errors: 0, sample: '' },
      'zz.rowsLost': { summary: 'rows lost: 0 of 518 acknowledged saves', acknowledged: 518, lost: 0, scenarios: 2 },
      'auditDurability.pglite': { summary: '8 injected failures [pglite]: 8 rolled back completely', injected: 8, rolledBack: 8 },
      'newScenario.postgresql': { summary: 'a figure from a test no topic names yet', ok: true },
    },
  };
}

describe('reliabilityFigures', () => {
  const block = reliabilityFigures(fixture());
  const lines = block.split('\n');

  it('starts with the run: its date, Node version, machine, load at the start and the end, and the servers', () => {
    expect(lines[0]).toBe(
      'Run of 2026-12-07T05:00:00.000Z (the whole suite, 600 s): Node 22.23.5, linux-x64, 2 CPUs, load average 3.0 2.5 2.0 at the start and 7.2 5.0 4.4 at the end (1, 5 and 15 minutes), ' +
        'PostgreSQL 15.20 (Debian 15.20-0+deb12u1), PgBouncer 1.18.0; 5 figures.',
    );
  });

  it('shows every topic in the page order, a topic without figures saying so, and figures of unknown keys last', () => {
    const headings = lines.filter((l) => l.startsWith('### ')).map((l) => l.slice(4));
    expect(headings).toEqual([...TOPICS.map((t) => t.title), OTHER_TOPIC]);
    const section = (title: string) => block.split(`### ${title}\n`)[1]!.split('\n### ')[0]!;
    expect(section('Poolers').trim()).toBe('No figure in this run (its tests were skipped or not run).');
    expect(section('Load')).toContain('200 concurrent first saves for 1 new dev user [pglite, 1 connection]: 0 errors');
    expect(section('Faults and restarts')).toContain('8 injected failures [pglite]');
    expect(section('Faults and restarts')).toContain('2 PostgreSQL restarts');
    expect(section('Rows lost')).toContain('rows lost: 0 of 518 acknowledged saves');
    expect(section(OTHER_TOPIC)).toContain('a figure from a test no topic names yet');
  });

  it('shows each figure once: its summary line, then its key and values, strings on one line and without HTML, empty ones left out', () => {
    for (const [key, { summary }] of Object.entries(fixture().figures)) {
      expect(lines.filter((l) => l === `- ${summary}`)).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith(`  (\`${key}\``))).toHaveLength(1);
    }
    expect(lines).toContain('  (`restart.postgresql`: restarts 2, acknowledged 148, acknowledgedLost 0, sample line one \\<line two>)');
    expect(lines).toContain('  (`newScenario.postgresql`: ok true)');
    expect(lines).toContain('  (`concurrency.pglite.firstSaves`: saves 200, errors 0)'); // an empty string is left out
  });

  it('says when a run was limited to part of the suite, or had no PgBouncer', () => {
    const report = fixture();
    report.meta.selection = 'restart';
    report.meta.pgbouncer = null;
    expect(reliabilityFigures(report).split('\n')[0]).toMatch(/^Run of \S+ \(limited to restart, 600 s\): .*, no PgBouncer \(the pooler tests were skipped\); 5 figures\.$/);
  });

  it('puts keys under their topic by their first part', () => {
    expect(topicOf('pooler.transaction.mixed')).toBe('Poolers');
    expect(topicOf('callerPaths.pglite')).toBe('Production boundary');
    expect(topicOf('faultInjection.pgbouncer.saves')).toBe('Faults and restarts');
    expect(topicOf('upgrade.snapshot_lz4_compression')).toBe('Upgrades under load');
    expect(topicOf('poolers.x')).toBe(OTHER_TOPIC);
  });
});

describe('notAPageRun (what --write refuses)', () => {
  it('takes a whole run with figures', () => {
    expect(notAPageRun(fixture())).toBeNull();
  });

  it('refuses a file without meta, a run limited to some tests, a run without figures', () => {
    const { figures } = fixture();
    expect(notAPageRun({ figures })).toMatch(/no meta/);
    expect(notAPageRun({ ...fixture(), meta: { ...fixture().meta, selection: 'badInput' } })).toMatch(/limited to badInput/);
    expect(notAPageRun({ ...fixture(), figures: {} })).toMatch(/no figures/);
  });
});

describe('the generated block between the markers', () => {
  const page = `# Reliability\n\nText.\n\n${BEGIN_MARKER}\nold\n${END_MARKER}\n\nMore text.\n`;

  it('is replaced, and nothing else changes', () => {
    const written = replaceGeneratedBlock(page, 'Run of a new run\n');
    expect(generatedBlock(written)).toBe('Run of a new run');
    expect(written).toBe(`# Reliability\n\nText.\n\n${BEGIN_MARKER}\nRun of a new run\n${END_MARKER}\n\nMore text.\n`);
    expect(replaceGeneratedBlock(written, generatedBlock(written))).toBe(written);
  });

  it('must be there exactly once, in order (the check can fail)', () => {
    expect(() => generatedBlock('# Reliability\n')).toThrow(/exactly once/);
    expect(() => generatedBlock(`${END_MARKER}\n${BEGIN_MARKER}\n`)).toThrow(/exactly once/);
    expect(() => replaceGeneratedBlock(`${page}${page}`, 'x')).toThrow(/exactly once/);
  });
});

describe('docs/reliability.md and docs/results/reliability.json', () => {
  const page = readFileSync(RELIABILITY_PAGE, 'utf8');
  const report = JSON.parse(readFileSync(RELIABILITY_RESULTS, 'utf8')) as ReliabilityReport;

  it('the committed file is a whole run of this suite: its meta, and figures of every topic', () => {
    const m = report.meta;
    expect(notAPageRun(report)).toBeNull();
    expect(m.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(m.finishedAt)).toBeGreaterThan(Date.parse(m.startedAt));
    expect(m.node).toMatch(/^\d+\.\d+\.\d+$/);
    expect(m.cpus).toBeGreaterThan(0);
    for (const load of [m.loadAverageAtStart, m.loadAverage]) {
      expect(load).toHaveLength(3);
      for (const l of load) expect(Number.isFinite(l)).toBe(true);
    }
    expect(m.postgres).toMatch(/^\d+\.\d+/);
    const topics = new Set(Object.keys(report.figures).map(topicOf));
    for (const { title } of TOPICS) expect([title, topics.has(title)]).toEqual([title, true]);
    for (const figure of Object.values(report.figures)) expect(figure.summary.length).toBeGreaterThan(0);
  });

  it("the page's block is what the generator makes of the committed file, to the character", () => {
    expect(generatedBlock(page)).toBe(reliabilityFigures(report).trim());
  });

  it('the hand-written text holds no number the block does not show (the check can fail)', () => {
    expect(unbackedNumbers(page)).toEqual([]);
    expect(unbackedNumbers(replaceGeneratedBlock(page, 'Run of 2026-12-07: 200 saves, 0 errors') + '\nOn 2026-11-28, 368 saves, 0 errors; `pg_ctl -m 99`.')).toEqual(['11', '28', '368']);
  });
});
