import { createPrismaClient, type PrismaClient } from '@agentstate/db';
import { describeEachDatabase } from '@agentstate/db/testing';
import { DatabaseNotMigratedError, formatReport, formatSummary, runFkDoctor, type ForeignKeyCheck } from './index';
import { ADD_SNAPSHOT_USER_FK_NOT_VALID, DROP_SNAPSHOT_USER_FK, foreignKeyCheck, GHOSTS, insertHealthyRows, insertOrphanSnapshots, rawControlCharacters } from './testing';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

const NO_ORPHANS = { rows: 0, keys: 0, examples: [] };

/** A foreign key of the LangGraph saver's tables (user, or user + thread), healthy. */
function checkpointFk(model: string, table: string, field: 'user' | 'thread'): ForeignKeyCheck {
  const thread = field === 'thread';
  return foreignKeyCheck({
    constraint: thread ? `${table}_user_id_thread_id_fkey` : `${table}_user_id_fkey`,
    model,
    field,
    table,
    ...(thread ? { columns: ['user_id', 'thread_id'], referencedTable: 'agent_threads', referencedColumns: ['user_id', 'id'] } : {}),
  });
}

const SNAPSHOTS = { model: 'AgentStateSnapshot', table: 'agent_state_snapshots' };

/** The schema's foreign keys, as the report lists them when all is well. */
const HEALTHY_FKS: ForeignKeyCheck[] = [
  foreignKeyCheck(),
  foreignKeyCheck({ ...SNAPSHOTS, constraint: 'agent_state_snapshots_user_id_fkey' }),
  foreignKeyCheck({
    ...SNAPSHOTS,
    constraint: 'agent_state_snapshots_user_id_thread_id_fkey',
    field: 'thread',
    columns: ['user_id', 'thread_id'],
    referencedTable: 'agent_threads',
    referencedColumns: ['user_id', 'id'],
  }),
  foreignKeyCheck({
    ...SNAPSHOTS,
    constraint: 'agent_state_snapshots_parent_id_fkey',
    field: 'parent',
    required: false,
    columns: ['parent_id'],
    referencedTable: 'agent_state_snapshots',
    referencedColumns: ['id'],
    onDelete: 'SET NULL',
  }),
  checkpointFk('AgentStateElement', 'agent_state_elements', 'user'),
  checkpointFk('AgentStateElement', 'agent_state_elements', 'thread'),
  checkpointFk('AgentStateElementLog', 'agent_state_element_logs', 'user'),
  checkpointFk('AgentStateElementLog', 'agent_state_element_logs', 'thread'),
  checkpointFk('AgentCheckpoint', 'agent_checkpoints', 'user'),
  checkpointFk('AgentCheckpoint', 'agent_checkpoints', 'thread'),
  checkpointFk('AgentCheckpointBlob', 'agent_checkpoint_blobs', 'user'),
  checkpointFk('AgentCheckpointBlob', 'agent_checkpoint_blobs', 'thread'),
  checkpointFk('AgentCheckpointWrite', 'agent_checkpoint_writes', 'user'),
  checkpointFk('AgentCheckpointWrite', 'agent_checkpoint_writes', 'thread'),
];

const byConstraint = (fks: ForeignKeyCheck[], name: string) => fks.find((fk) => fk.constraint === name);

/** The orphans of GHOSTS: 12 rows, 7 keys, the 5 with most rows first, then by key. */
function ghostOrphans(columns: (userId: string) => Record<string, string>) {
  return {
    rows: 12,
    keys: 7,
    examples: [
      { key: columns('ghost-a'), rows: 4 },
      { key: columns('ghost-b'), rows: 3 },
      { key: columns('ghost-c'), rows: 1 },
      { key: columns('ghost-d'), rows: 1 },
      { key: columns('ghost-e'), rows: 1 },
    ],
  };
}

describeEachDatabase('runFkDoctor on a migrated database', (db) => {
  afterEach(async () => {
    await db().prisma.$executeRawUnsafe('TRUNCATE userbase, agent_threads, agent_state_snapshots, user_provisioning_audit CASCADE');
  });

  it('reports a freshly migrated database as healthy, every foreign key ok', async () => {
    const report = await runFkDoctor(db().prisma, { now: NOW, database: 'the test database' });
    expect(report).toEqual({
      database: 'the test database',
      checkedAt: '2026-06-15T12:00:00.000Z',
      foreignKeys: HEALTHY_FKS,
      autoProvisionedUsers: {
        total: 0,
        buckets: [
          { label: '< 1 day', count: 0 },
          { label: '1-7 days', count: 0 },
          { label: '7-30 days', count: 0 },
          { label: '> 30 days', count: 0 },
        ],
      },
      refusals: { days: 7, since: '2026-06-08T12:00:00.000Z', total: 0, byReason: [] },
      growingState: { unreferencedElements: { rows: 0, threads: 0, top: [] }, largestUsers: [] },
      verdict: { healthy: true, problems: [], line: 'fk:doctor: healthy' },
    });
    // plain JSON data: what --json prints parses back to the same report
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('stays healthy with consistent rows; a NULL parent_id is no orphan', async () => {
    await insertHealthyRows(db().prisma);
    const report = await runFkDoctor(db().prisma);
    expect(report.foreignKeys).toEqual(HEALTHY_FKS);
    expect(report.verdict.healthy).toBe(true);
  });

  it('counts auto-provisioned users per age bucket by created_at (lower bounds inclusive), ignoring other users', async () => {
    const users: Array<[string, boolean, string]> = [
      ['dev-temp-future', true, ago(-HOUR)], // clock skew: counts as new
      ['dev-temp-1h', true, ago(HOUR)],
      ['dev-temp-1d', true, ago(DAY)], // exactly 1 day: no longer "< 1 day"
      ['dev-temp-3d', true, ago(3 * DAY)],
      ['test-6d', true, ago(6 * DAY + 23 * HOUR)],
      ['test-7d', true, ago(7 * DAY)],
      ['test-29d', true, ago(29 * DAY)],
      ['dev-temp-30d', true, ago(30 * DAY)],
      ['dev-temp-400d', true, ago(400 * DAY)],
      ['alice', false, ago(HOUR)],
      ['bob', false, ago(100 * DAY)],
    ];
    for (const [id, auto, createdAt] of users) {
      await db().prisma.$executeRaw`INSERT INTO userbase (id, email, auto_provisioned, created_at)
        VALUES (${id}, ${`${id}@example.invalid`}, ${auto}, ${createdAt}::timestamptz)`;
    }
    const report = await runFkDoctor(db().prisma, { now: NOW });
    expect(report.autoProvisionedUsers).toEqual({
      total: 9,
      buckets: [
        { label: '< 1 day', count: 2 },
        { label: '1-7 days', count: 3 },
        { label: '7-30 days', count: 2 },
        { label: '> 30 days', count: 2 },
      ],
    });
  });

  it('counts refusals of the last N days per reason code and environment, most first', async () => {
    const rows: Array<[string, string, string, string]> = [
      ['refused', 'DEV_ID_IN_PRODUCTION', 'production', ago(HOUR)],
      ['refused', 'DEV_ID_IN_PRODUCTION', 'production', ago(2 * DAY)],
      ['refused', 'DEV_ID_IN_PRODUCTION', 'production', ago(7 * DAY)], // exactly at the window start: in
      ['refused', 'DEV_ID_IN_PRODUCTION', 'staging', ago(3 * DAY)],
      ['refused', 'INVALID_ID_CHARACTER', 'production', ago(5 * DAY)],
      ['refused', 'INVALID_ID_CHARACTER', 'production', ago(10 * DAY)], // only in a 30-day window
      ['refused', 'DEV_ID_IN_PRODUCTION', 'production', ago(40 * DAY)], // in neither
      ['created', 'AUTO_CREATE_ALLOWED', 'development', ago(HOUR)], // not a refusal
      ['already-existed', 'AUTO_CREATE_ALLOWED', 'test', ago(HOUR)],
    ];
    for (const [outcome, reasonCode, environment, createdAt] of rows) {
      await db().prisma.$executeRaw`INSERT INTO user_provisioning_audit (entity, subject_id, outcome, decision, reason_code, reason, environment, created_at)
        VALUES ('User', 'dev-temp-x', ${outcome}, 'reject', ${reasonCode}, 'why', ${environment}, ${createdAt}::timestamptz)`;
    }

    expect((await runFkDoctor(db().prisma, { now: NOW })).refusals).toEqual({
      days: 7,
      since: '2026-06-08T12:00:00.000Z',
      total: 5,
      byReason: [
        { reasonCode: 'DEV_ID_IN_PRODUCTION', environment: 'production', count: 3 },
        { reasonCode: 'DEV_ID_IN_PRODUCTION', environment: 'staging', count: 1 },
        { reasonCode: 'INVALID_ID_CHARACTER', environment: 'production', count: 1 },
      ],
    });
    expect((await runFkDoctor(db().prisma, { now: NOW, days: 30 })).refusals).toEqual({
      days: 30,
      since: '2026-05-16T12:00:00.000Z',
      total: 6,
      byReason: [
        { reasonCode: 'DEV_ID_IN_PRODUCTION', environment: 'production', count: 3 },
        { reasonCode: 'INVALID_ID_CHARACTER', environment: 'production', count: 2 },
        { reasonCode: 'DEV_ID_IN_PRODUCTION', environment: 'staging', count: 1 },
      ],
    });
  });

  it('refuses a days value that is not a positive integer', async () => {
    await expect(runFkDoctor(db().prisma, { days: 0 })).rejects.toThrow('days must be a positive integer, got 0');
    await expect(runFkDoctor(db().prisma, { days: 1.5 })).rejects.toThrow(RangeError);
  });
});

describeEachDatabase('runFkDoctor on growing-state storage (issue 22 point 7)', (db) => {
  it('counts element rows no snapshot or checkpoint blob layout references, per thread, and the five users storing the most bytes', async () => {
    const { prisma } = db();
    // Six users, each a snapshot of incompressible text, u6 the largest.
    for (let i = 1; i <= 6; i++) {
      await prisma.$executeRaw`INSERT INTO userbase (id, email) VALUES (${`u${i}`}, ${`u${i}@example.com`})`;
      await prisma.$executeRaw`INSERT INTO agent_threads (user_id, id) VALUES (${`u${i}`}, 'chat')`;
      await prisma.$executeRaw`INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, state)
        SELECT ${`u${i}`}, 'chat', 'r', jsonb_build_object('t', string_agg(md5(g::text), '')) FROM generate_series(1, ${i * 60}::int) g`;
    }
    // u6/chat: elements 1..10; a snapshot layout covers 1-4 and 6-7, a checkpoint blob's 8: 5, 9, 10 are unreferenced.
    await prisma.$executeRaw`INSERT INTO agent_state_elements (user_id, thread_id, seq, body) SELECT 'u6', 'chat', g, '"element ' || g || '"' FROM generate_series(1, 10) g`;
    await prisma.$executeRaw`INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, layout) VALUES ('u6', 'chat', 'r', '["[", [1, 4], ",", [6, 7], "]"]')`;
    await prisma.$executeRaw`INSERT INTO agent_checkpoint_blobs (user_id, thread_id, channel, version, type, layout) VALUES ('u6', 'chat', 'messages', '1', 'json', '["[", [8, 8], "]"]')`;
    // u5/chat: two elements and no layout at all; u4/chat: three, all referenced.
    await prisma.$executeRaw`INSERT INTO agent_state_elements (user_id, thread_id, seq, body) SELECT 'u5', 'chat', g, '1' FROM generate_series(1, 2) g`;
    await prisma.$executeRaw`INSERT INTO agent_state_elements (user_id, thread_id, seq, body) SELECT 'u4', 'chat', g, '1' FROM generate_series(1, 3) g`;
    await prisma.$executeRaw`INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, layout) VALUES ('u4', 'chat', 'r', '["[", [1, 3], "]"]')`;

    const report = await runFkDoctor(prisma, { now: NOW });
    expect(report.growingState.unreferencedElements).toEqual({
      rows: 5,
      threads: 2,
      top: [
        { userId: 'u6', threadId: 'chat', rows: 3 },
        { userId: 'u5', threadId: 'chat', rows: 2 },
      ],
    });
    const largest = report.growingState.largestUsers;
    expect(largest.map((u) => u.userId)).toEqual(['u6', 'u5', 'u4', 'u3', 'u2']);
    for (const user of largest) expect(user.bytes).toBe(user.snapshotBytes + user.elementBytes + user.checkpointBlobBytes);
    expect(largest.map((u) => u.bytes)).toEqual([...largest.map((u) => u.bytes)].sort((a, b) => b - a));
    // Hex text compresses little: each user's snapshot bytes are at least half its state's text (60 md5s per step).
    largest.forEach((user, i) => expect(user.snapshotBytes).toBeGreaterThan(((6 - i) * 60 * 32) / 2));
    expect(largest[0]!.elementBytes).toBeGreaterThan(0);
    expect(largest[0]!.checkpointBlobBytes).toBeGreaterThan(0);
    expect(largest[3]!).toMatchObject({ elementBytes: 0, checkpointBlobBytes: 0 });
    // Storage is reported, not a problem: no key is broken.
    expect(report.verdict.healthy).toBe(true);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    const text = formatReport(report);
    expect(text).toContain('  unreferenced elements: 5 rows on 2 threads (reclaimed by the next prune or collection of the thread)');
    expect(text).toMatch(/\n {4}u6 +chat +3\n {4}u5 +chat +2\n/);
    expect(text).toMatch(/\n {2}largest users by stored bytes:\n {4}user id +bytes +snapshots +elements +checkpoint blobs\n {4}u6 +\d+/);
  }, 60_000);
});

describeEachDatabase('runFkDoctor after the snapshot -> user foreign key was dropped by hand', (db) => {
  it('reports the constraint missing, the exact orphan rows, and an unhealthy verdict', async () => {
    const { prisma } = db();
    await insertHealthyRows(prisma);
    await prisma.$executeRawUnsafe(DROP_SNAPSHOT_USER_FK);
    await insertOrphanSnapshots(prisma, GHOSTS);

    const report = await runFkDoctor(prisma);
    expect(byConstraint(report.foreignKeys, 'agent_state_snapshots_user_id_fkey')).toMatchObject({
      state: 'missing',
      orphans: ghostOrphans((userId) => ({ user_id: userId })),
    });
    // the thread key still has its constraint, but the rows went in with triggers off
    expect(byConstraint(report.foreignKeys, 'agent_state_snapshots_user_id_thread_id_fkey')).toMatchObject({
      state: 'ok',
      orphans: ghostOrphans((userId) => ({ user_id: userId, thread_id: 'thread-1' })),
    });
    expect(byConstraint(report.foreignKeys, 'agent_threads_user_id_fkey')).toEqual(HEALTHY_FKS[0]);
    expect(byConstraint(report.foreignKeys, 'agent_state_snapshots_parent_id_fkey')).toEqual(HEALTHY_FKS[3]);
    expect(report.verdict).toEqual({
      healthy: false,
      problems: [
        { kind: 'missing', constraint: 'agent_state_snapshots_user_id_fkey' },
        { kind: 'orphans', constraint: 'agent_state_snapshots_user_id_fkey', rows: 12 },
        { kind: 'orphans', constraint: 'agent_state_snapshots_user_id_thread_id_fkey', rows: 12 },
      ],
      line: 'fk:doctor: 3 problems (1 foreign key missing, 24 orphan rows)',
    });
  });
});

describeEachDatabase('runFkDoctor after the foreign key was added back NOT VALID', (db) => {
  it('reports it not-valid, with the orphans it never checked', async () => {
    const { prisma } = db();
    await prisma.$executeRawUnsafe(DROP_SNAPSHOT_USER_FK);
    await insertOrphanSnapshots(prisma, { 'ghost-a': 2 });
    await prisma.$executeRawUnsafe(ADD_SNAPSHOT_USER_FK_NOT_VALID);

    const report = await runFkDoctor(prisma);
    expect(byConstraint(report.foreignKeys, 'agent_state_snapshots_user_id_fkey')).toMatchObject({
      state: 'not-valid',
      differences: [],
      orphans: { rows: 2, keys: 1, examples: [{ key: { user_id: 'ghost-a' }, rows: 2 }] },
    });
    expect(report.verdict.line).toBe('fk:doctor: 3 problems (1 foreign key NOT VALID, 4 orphan rows)');
  });

  it('is healthy again once the orphans are gone and the constraint is validated', async () => {
    const { prisma } = db();
    await prisma.$executeRawUnsafe(`DELETE FROM agent_state_snapshots WHERE user_id = 'ghost-a'`);
    await prisma.$executeRawUnsafe('ALTER TABLE agent_state_snapshots VALIDATE CONSTRAINT agent_state_snapshots_user_id_fkey');

    const report = await runFkDoctor(prisma);
    expect(report.foreignKeys).toEqual(HEALTHY_FKS);
    expect(report.verdict).toEqual({ healthy: true, problems: [], line: 'fk:doctor: healthy' });
  });
});

describeEachDatabase('runFkDoctor when a constraint of the expected name enforces something else', (db) => {
  it('reports a mismatch naming what differs', async () => {
    const { prisma } = db();
    await prisma.$executeRawUnsafe('ALTER TABLE agent_threads DROP CONSTRAINT agent_threads_user_id_fkey');
    await prisma.$executeRawUnsafe('ALTER TABLE agent_threads ADD CONSTRAINT agent_threads_user_id_fkey FOREIGN KEY (id) REFERENCES userbase(id)');

    const report = await runFkDoctor(prisma);
    expect(byConstraint(report.foreignKeys, 'agent_threads_user_id_fkey')).toMatchObject({
      state: 'mismatch',
      foundConstraint: 'agent_threads_user_id_fkey',
      // added without ON DELETE / ON UPDATE: PostgreSQL's NO ACTION
      differences: ['key (id) -> (id), expected (user_id) -> (id)', 'ON DELETE NO ACTION, expected CASCADE', 'ON UPDATE NO ACTION, expected CASCADE'],
      orphans: NO_ORPHANS,
    });
    expect(report.verdict.line).toBe('fk:doctor: 1 problem (1 foreign key different from the schema)');
  });
});

// One database of each kind for both (creating them is the slow part).
describeEachDatabase('runFkDoctor on a database changed by hand (issue 26)', (db) => {
  describe('compares foreign keys by definition, not by name (point 5)', () => {
    const BLOBS_THREAD_FK = 'agent_checkpoint_blobs_user_id_thread_id_fkey';
    const addBlobsThreadFk = (name: string, actions: string) =>
      `ALTER TABLE agent_checkpoint_blobs ADD CONSTRAINT ${name} FOREIGN KEY (user_id, thread_id) REFERENCES agent_threads(user_id, id) ${actions}`;
    /** The migration's constraint back, whatever a test did to it. */
    afterEach(async () => {
      await db().prisma.$executeRawUnsafe(`ALTER TABLE agent_checkpoint_blobs DROP CONSTRAINT IF EXISTS ${BLOBS_THREAD_FK}`);
      await db().prisma.$executeRawUnsafe('ALTER TABLE agent_checkpoint_blobs DROP CONSTRAINT IF EXISTS blobs_belong_to_thread');
      await db().prisma.$executeRawUnsafe(addBlobsThreadFk(BLOBS_THREAD_FK, 'ON DELETE CASCADE ON UPDATE CASCADE'));
      expect((await runFkDoctor(db().prisma)).verdict.healthy).toBe(true);
    });

    it('reports NO ACTION instead of CASCADE on agent_checkpoint_blobs (user_id, thread_id) as a mismatch (was: ok)', async () => {
      const { prisma } = db();
      await prisma.$executeRawUnsafe(`ALTER TABLE agent_checkpoint_blobs DROP CONSTRAINT ${BLOBS_THREAD_FK}`);
      await prisma.$executeRawUnsafe(addBlobsThreadFk(BLOBS_THREAD_FK, 'ON DELETE NO ACTION ON UPDATE NO ACTION'));

      const report = await runFkDoctor(prisma);
      expect(byConstraint(report.foreignKeys, BLOBS_THREAD_FK)).toMatchObject({
        state: 'mismatch',
        foundConstraint: BLOBS_THREAD_FK,
        differences: ['ON DELETE NO ACTION, expected CASCADE', 'ON UPDATE NO ACTION, expected CASCADE'],
      });
      expect(report.verdict).toEqual({
        healthy: false,
        problems: [{ kind: 'mismatch', constraint: BLOBS_THREAD_FK }],
        line: 'fk:doctor: 1 problem (1 foreign key different from the schema)',
      });
    });

    it('reports a DEFERRABLE key as a mismatch (its checks would wait for the commit)', async () => {
      const { prisma } = db();
      await prisma.$executeRawUnsafe(`ALTER TABLE agent_checkpoint_blobs ALTER CONSTRAINT ${BLOBS_THREAD_FK} DEFERRABLE INITIALLY DEFERRED`);
      const report = await runFkDoctor(prisma);
      expect(byConstraint(report.foreignKeys, BLOBS_THREAD_FK)).toMatchObject({ state: 'mismatch', differences: ['DEFERRABLE, expected NOT DEFERRABLE'] });
    });

    it('reports a correct foreign key under another name ok, naming it (was: missing)', async () => {
      const { prisma } = db();
      await prisma.$executeRawUnsafe(`ALTER TABLE agent_checkpoint_blobs RENAME CONSTRAINT ${BLOBS_THREAD_FK} TO blobs_belong_to_thread`);

      const report = await runFkDoctor(prisma);
      expect(byConstraint(report.foreignKeys, BLOBS_THREAD_FK)).toEqual({ ...checkpointFk('AgentCheckpointBlob', 'agent_checkpoint_blobs', 'thread'), foundConstraint: 'blobs_belong_to_thread' });
      expect(report.verdict).toEqual({ healthy: true, problems: [], line: 'fk:doctor: healthy' });
      expect(formatReport(report)).toMatch(new RegExp(`^  ok +${BLOBS_THREAD_FK} .*\\n +found as blobs_belong_to_thread$`, 'm'));
    });

    it('a right one under another name wins over a wrong one under the expected name', async () => {
      const { prisma } = db();
      await prisma.$executeRawUnsafe(`ALTER TABLE agent_checkpoint_blobs DROP CONSTRAINT ${BLOBS_THREAD_FK}`);
      await prisma.$executeRawUnsafe(addBlobsThreadFk(BLOBS_THREAD_FK, 'ON DELETE RESTRICT ON UPDATE CASCADE'));
      await prisma.$executeRawUnsafe(addBlobsThreadFk('blobs_belong_to_thread', 'ON DELETE CASCADE ON UPDATE CASCADE'));
      const report = await runFkDoctor(prisma);
      expect(byConstraint(report.foreignKeys, BLOBS_THREAD_FK)).toMatchObject({ state: 'ok', foundConstraint: 'blobs_belong_to_thread' });
    });
  });

  describe('prints what the database holds escaped (point 6)', () => {
    it('an orphan value holding a newline and a fake verdict, or terminal escapes, cannot print a line or an escape of its own', async () => {
      const { prisma } = db();
      const fakeVerdict = 'ghost\nfk:doctor: healthy';
      const terminal = '\u001b[2J\u001b[32mall good\u001b[0m';
      await insertOrphanSnapshots(prisma, { [fakeVerdict]: 1, [terminal]: 1 });
      await prisma.$executeRaw`INSERT INTO user_provisioning_audit (entity, subject_id, outcome, decision, reason_code, reason, environment)
        VALUES ('User', 'x', 'refused', 'reject', ${'X\r\nfk:doctor: healthy'}, 'why', ${'production\u001b]0;pwned\u0007'})`;

      const report = await runFkDoctor(prisma);
      // the report itself keeps the values as the database holds them
      expect(byConstraint(report.foreignKeys, 'agent_state_snapshots_user_id_fkey')?.orphans.examples.map((e) => e.key.user_id).sort()).toEqual([fakeVerdict, terminal].sort());
      expect(report.verdict.line).toBe('fk:doctor: 2 problems (4 orphan rows)');

      for (const text of [formatReport(report), formatSummary(report)]) {
        expect(rawControlCharacters(text)).toEqual([]);
        expect(text.split('\n').filter((line) => line.startsWith('fk:doctor:'))).toEqual([report.verdict.line]);
      }
      const text = formatReport(report);
      expect(text.split('\n').at(-1)).toBe(report.verdict.line);
      expect(text).toContain('user_id=ghost\\u{A}fk:doctor: healthy (1 row)');
      expect(text).toContain('user_id=\\u{1B}[2J\\u{1B}[32mall good\\u{1B}[0m (1 row)');
      expect(text).toContain('X\\u{D}\\u{A}fk:doctor: healthy  production\\u{1B}]0;pwned\\u{7}');
    });
  });
});

describe('runFkDoctor on a database that was never migrated', () => {
  let prisma: PrismaClient | undefined;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ prisma, close } = await createPrismaClient({ config: { provider: 'pglite', dataDir: 'memory://' }, migrate: false }));
  }, 120_000);
  afterAll(async () => close?.());

  it('fails with DatabaseNotMigratedError naming the missing tables', async () => {
    const attempt = runFkDoctor(prisma!);
    await expect(attempt).rejects.toBeInstanceOf(DatabaseNotMigratedError);
    await expect(attempt).rejects.toMatchObject({ missingTables: ['userbase', 'agent_threads', 'agent_state_snapshots', 'agent_state_elements', 'agent_state_element_logs', 'agent_checkpoints', 'agent_checkpoint_blobs', 'agent_checkpoint_writes', 'user_provisioning_audit'] });
  });
});
