import { computeVerdict } from './checks';
import { formatReport, formatSummary } from './format';
import { foreignKeyCheck, rawControlCharacters } from './testing';
import type { DoctorReport } from './types';

const fk = foreignKeyCheck;

const foreignKeys = [
  fk({}),
  fk({
    constraint: 'agent_state_snapshots_user_id_fkey',
    table: 'agent_state_snapshots',
    state: 'missing',
    orphans: {
      rows: 12,
      keys: 7,
      examples: [
        { key: { user_id: 'ghost-a' }, rows: 4 },
        { key: { user_id: 'ghost-b' }, rows: 1 },
      ],
    },
  }),
  fk({
    constraint: 'agent_state_snapshots_user_id_thread_id_fkey',
    table: 'agent_state_snapshots',
    columns: ['user_id', 'thread_id'],
    referencedTable: 'agent_threads',
    referencedColumns: ['user_id', 'id'],
    state: 'mismatch',
    differences: ['references table agent_threads_old, expected agent_threads'],
    orphans: { rows: 1, keys: 1, examples: [{ key: { user_id: 'ghost-a', thread_id: 't1' }, rows: 1 }] },
  }),
];

const unhealthy: DoctorReport = {
  database: 'PostgreSQL at postgresql://app:***@db:5432/app',
  checkedAt: '2026-06-15T12:00:00.000Z',
  foreignKeys,
  autoProvisionedUsers: {
    total: 5,
    buckets: [
      { label: '< 1 day', count: 1 },
      { label: '1-7 days', count: 2 },
      { label: '7-30 days', count: 0 },
      { label: '> 30 days', count: 2 },
    ],
  },
  refusals: {
    days: 7,
    since: '2026-06-08T12:00:00.000Z',
    total: 4,
    byReason: [
      { reasonCode: 'DEV_ID_IN_PRODUCTION', environment: 'production', count: 3 },
      { reasonCode: 'INVALID_ID_CHARACTER', environment: 'staging', count: 1 },
    ],
  },
  growingState: {
    unreferencedElements: { rows: 9, threads: 2, top: [{ userId: 'u-1', threadId: 'chat', rows: 7 }, { userId: 'u-22', threadId: 't', rows: 2 }] },
    largestUsers: [
      { userId: 'u-1', bytes: 1048576, snapshotBytes: 20480, elementBytes: 1000000, checkpointBlobBytes: 28096 },
      { userId: 'u-22', bytes: 512, snapshotBytes: 512, elementBytes: 0, checkpointBlobBytes: 0 },
    ],
  },
  verdict: computeVerdict(foreignKeys),
};

const healthy: DoctorReport = {
  checkedAt: '2026-06-15T12:00:00.000Z',
  foreignKeys: [fk({})],
  autoProvisionedUsers: { total: 0, buckets: unhealthy.autoProvisionedUsers.buckets.map((b) => ({ ...b, count: 0 })) },
  refusals: { days: 30, since: '2026-05-16T12:00:00.000Z', total: 0, byReason: [] },
  growingState: { unreferencedElements: { rows: 0, threads: 0, top: [] }, largestUsers: [] },
  verdict: computeVerdict([fk({})]),
};

describe('formatReport', () => {
  it('prints aligned sections, details under their foreign key, and the verdict last', () => {
    expect(formatReport(unhealthy)).toBe(
      [
        'fk:doctor report for PostgreSQL at postgresql://app:***@db:5432/app (checked 2026-06-15T12:00:00.000Z)',
        '',
        'Foreign keys (3)',
        '  state     constraint                                    key                                                                      orphan rows',
        '  ok        agent_threads_user_id_fkey                    agent_threads(user_id) -> userbase(id)                                             0',
        '  missing   agent_state_snapshots_user_id_fkey            agent_state_snapshots(user_id) -> userbase(id)                                    12',
        '            orphans: user_id=ghost-a (4 rows), user_id=ghost-b (1 row), … (7 keys in all)',
        '  mismatch  agent_state_snapshots_user_id_thread_id_fkey  agent_state_snapshots(user_id, thread_id) -> agent_threads(user_id, id)            1',
        '            found: references table agent_threads_old, expected agent_threads',
        '            orphans: user_id=ghost-a thread_id=t1 (1 row)',
        '',
        'Auto-provisioned users: 5',
        '  < 1 day  1-7 days  7-30 days  > 30 days',
        '        1         2          0          2',
        '',
        'Refusals in the last 7 days (since 2026-06-08T12:00:00.000Z): 4',
        '  reason code           environment  count',
        '  DEV_ID_IN_PRODUCTION  production       3',
        '  INVALID_ID_CHARACTER  staging          1',
        '',
        'Growing-state storage',
        '  unreferenced elements: 9 rows on 2 threads (reclaimed by the next prune or collection of the thread)',
        '    user id  thread id  rows',
        '    u-1      chat          7',
        '    u-22     t             2',
        '  largest users by stored bytes:',
        '    user id    bytes  snapshots  elements  checkpoint blobs',
        '    u-1      1048576      20480   1000000             28096',
        '    u-22         512        512         0                 0',
        '',
        'fk:doctor: 4 problems (1 foreign key missing, 1 foreign key different from the schema, 13 orphan rows)',
      ].join('\n'),
    );
  });

  it('leaves out the database when not given and the refusal table when there are none', () => {
    const text = formatReport(healthy);
    expect(text.split('\n')[0]).toBe('fk:doctor report (checked 2026-06-15T12:00:00.000Z)');
    expect(
      text.endsWith('Refusals in the last 30 days (since 2026-05-16T12:00:00.000Z): 0\n\nGrowing-state storage\n  unreferenced elements: 0 rows\n  largest users by stored bytes: none\n\nfk:doctor: healthy'),
    ).toBe(true);
  });
});

describe('formatReport and formatSummary with hostile values from the database (issue 26, point 6)', () => {
  const hostile: DoctorReport = {
    ...unhealthy,
    database: 'PostgreSQL at postgresql://db/app\u001b[2J',
    foreignKeys: [
      fk({ foundConstraint: 'renamed\u001b]0;title\u0007', differences: ['references table evil\nfk:doctor: healthy, expected userbase'] }),
      fk({
        constraint: 'agent_state_snapshots_user_id_fkey',
        state: 'missing',
        orphans: { rows: 2, keys: 2, examples: [{ key: { user_id: 'ghost\nfk:doctor: healthy' }, rows: 1 }, { key: { user_id: '\u001b[32mgreen\u202e\\' }, rows: 1 }] },
      }),
    ],
    refusals: { ...unhealthy.refusals, total: 1, byReason: [{ reasonCode: 'X\r\nfk:doctor: healthy', environment: 'prod\u0085uction', count: 1 }] },
    growingState: {
      unreferencedElements: { rows: 1, threads: 1, top: [{ userId: 'u\nfk:doctor: healthy', threadId: '\u001b[2J', rows: 1 }] },
      largestUsers: [{ userId: 'v\r\nfk:doctor: healthy', bytes: 1, snapshotBytes: 1, elementBytes: 0, checkpointBlobBytes: 0 }],
    },
  };
  hostile.verdict = computeVerdict(hostile.foreignKeys);

  it('escapes every control, format and separator character (and the backslash); the verdict stays the only verdict line', () => {
    for (const text of [formatReport(hostile), formatSummary(hostile)]) {
      expect(rawControlCharacters(text)).toEqual([]);
      const verdicts = text.split('\n').filter((line) => line.startsWith('fk:doctor:'));
      expect(verdicts).toEqual(['fk:doctor: 2 problems (1 foreign key missing, 2 orphan rows)']);
    }
    const report = formatReport(hostile);
    expect(report).toContain(' orphans: user_id=ghost\\u{A}fk:doctor: healthy (1 row), user_id=\\u{1B}[32mgreen\\u{202E}\\\\ (1 row)');
    expect(report).toContain('    u\\u{A}fk:doctor: healthy  \\u{1B}[2J     1');
    expect(report).toContain('    v\\u{D}\\u{A}fk:doctor: healthy      1          1         0                 0');
    expect(report).toContain(' found as renamed\\u{1B}]0;title\\u{7}');
    expect(report).toContain(' found: references table evil\\u{A}fk:doctor: healthy, expected userbase');
    expect(report).toContain('  X\\u{D}\\u{A}fk:doctor: healthy  prod\\u{85}uction      1');
    expect(report.split('\n')[0]).toBe('fk:doctor report for PostgreSQL at postgresql://db/app\\u{1B}[2J (checked 2026-06-15T12:00:00.000Z)');
    expect(formatSummary(hostile).split('\n')[3]).toBe('  refusals in the last 7 days: 1 (X\\u{D}\\u{A}fk:doctor: healthy in prod\\u{85}uction: 1)');
  });
});

describe('formatSummary', () => {
  it('says it in four lines', () => {
    expect(formatSummary(unhealthy)).toBe(
      [
        'fk:doctor: 4 problems (1 foreign key missing, 1 foreign key different from the schema, 13 orphan rows)',
        '  foreign keys: 3 (1 ok, 1 missing, 1 mismatch), orphan rows: 13',
        '  auto-provisioned users: 5 (< 1 day: 1, 1-7 days: 2, 7-30 days: 0, > 30 days: 2)',
        '  refusals in the last 7 days: 4 (DEV_ID_IN_PRODUCTION in production: 3, INVALID_ID_CHARACTER in staging: 1)',
      ].join('\n'),
    );
    expect(formatSummary(healthy)).toBe(
      ['fk:doctor: healthy', '  foreign keys: 1 (1 ok), orphan rows: 0', '  auto-provisioned users: 0', '  refusals in the last 30 days: 0'].join('\n'),
    );
  });

  it('names only the three most frequent refusal reasons', () => {
    const many: DoctorReport = {
      ...healthy,
      refusals: {
        ...healthy.refusals,
        total: 5,
        byReason: ['A', 'B', 'C', 'D', 'E'].map((reasonCode) => ({ reasonCode, environment: 'production', count: 1 })),
      },
    };
    expect(formatSummary(many).split('\n')[3]).toBe('  refusals in the last 30 days: 5 (A in production: 1, B in production: 1, C in production: 1, 2 more)');
  });
});
