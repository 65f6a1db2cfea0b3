import { describeEachDatabase } from '@agentstate/db/testing';
import { memoryOutput } from './output';
import { DEV_USER, runStory, TEST_USER, type StoryFacts } from './story';

describeEachDatabase('the demo story, run twice on one fresh database', (db) => {
  const runs: StoryFacts[] = [];
  const texts: string[] = [];
  beforeAll(async () => {
    for (const label of ['story-one', 'story-two']) {
      const out = memoryOutput();
      runs.push(await runStory({ prisma: db().prisma, out, label }));
      texts.push(out.text());
    }
  }, 120_000);
  const [first, second] = [() => runs[0]!, () => runs[1]!];

  it('creates the dev and test users exactly once: created on the first run, already-existed on the second', async () => {
    const { prisma } = db();
    expect(first().agentRun.provisioning[0]).toBe('created');
    expect(second().agentRun.provisioning[0]).toBe('already-existed');
    expect([...first().agentRun.provisioning, ...second().agentRun.provisioning].filter((p) => p === 'created')).toHaveLength(1);
    expect([first().testUser.provisioning, second().testUser.provisioning]).toEqual(['created', 'already-existed']);
    const users = await prisma.user.findMany({ where: { id: { in: [DEV_USER, TEST_USER] } }, orderBy: { id: 'asc' }, select: { id: true, role: true, autoProvisioned: true } });
    expect(users).toEqual([
      { id: DEV_USER, role: 'developer', autoProvisioned: true },
      { id: TEST_USER, role: 'tester', autoProvisioned: true },
    ]);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: DEV_USER, outcome: 'created' } })).toBe(1);
  });

  // The documented contract (types.ts: "null in steady state: user already known"),
  // also for saves with expectedParentId, which run in a transaction.
  it('reports already-existed for the saves after the first one (the known user is a plain INSERT, reported the same)', () => {
    expect(first().agentRun.provisioning).toEqual(['created', 'already-existed', 'already-existed', 'already-existed']);
  });

  it('saves each run in its own thread, 4 linked steps', () => {
    expect(first().agentRun.threadId).toBe('thread-story-one');
    expect(second().agentRun.threadId).toBe('thread-story-two');
    for (const run of runs) expect(new Set(run.agentRun.savedIds).size).toBe(4);
  });

  it('skips the ephemeral run and writes nothing at all', () => {
    for (const run of runs) {
      expect(run.ephemeral.status).toBe('skipped');
      expect(run.ephemeral.code).toBe('EPHEMERAL_RUN');
      expect(run.ephemeral.rowsAfter).toEqual(run.ephemeral.rowsBefore);
      expect(Object.keys(run.ephemeral.rowsBefore)).toEqual(expect.arrayContaining(['agent_state_snapshots', 'user_provisioning_audit', 'userbase']));
    }
  });

  it('refuses the dev user in production with ProvisioningRefusedError, one audit row, no snapshot', async () => {
    for (const run of runs) {
      expect(run.refusal).toMatchObject({ errorClass: 'ProvisioningRefusedError', code: 'PROVISIONING_REFUSED' });
      expect(run.refusal.message).toContain(`Refused to save a snapshot for user "${DEV_USER}"`);
      expect(run.refusal.snapshotsAfter).toBe(run.refusal.snapshotsBefore);
      expect(run.refusal.auditRows).toEqual([{ subjectId: DEV_USER, outcome: 'refused', decision: 'reject', reasonCode: 'DEV_ID_IN_PRODUCTION', environment: 'production' }]);
    }
    expect(first().refusal.snapshotsBefore).toBe(4);
    expect(second().refusal.snapshotsBefore).toBe(8);
    expect(await db().prisma.userProvisioningAudit.count({ where: { subjectId: DEV_USER, outcome: 'refused' } })).toBe(2);
  });

  it('pages the history over 2 pages, covering every snapshot of the run exactly once, newest first', () => {
    for (const run of runs) {
      expect(run.history.pages.map((p) => p.length)).toEqual([3, 1]);
      expect(run.history.pages.flat()).toEqual([...run.agentRun.savedIds].reverse());
    }
  });

  it('follows the lineage of the last snapshot back to the first', () => {
    for (const run of runs) expect(run.history.lineage).toEqual([...run.agentRun.savedIds].reverse());
  });

  it('prints a readable story: headings, progress lines, the refusal, the audit trail', () => {
    const text = texts[0]!;
    for (const heading of ['== 1. Agent run', '== 2. A test user', '== 3. Ephemeral run', '== 4. Production refuses', '== 5. History', '== 6. Lineage', '== 7. Audit trail', '== 8. LangGraph', '== Done ==']) {
      expect(text).toContain(heading);
    }
    expect(text.match(/^step \d\/4 saved /gm)).toHaveLength(4);
    expect(text).not.toContain('\r'); // not a terminal: plain lines
    expect(text).toContain('what the caller gets: ProvisioningRefusedError [PROVISIONING_REFUSED] (reason DEV_ID_IN_PRODUCTION)');
    expect(text).toContain('nothing was written');
    expect(text).toContain('step 4 <- step 3 <- step 2 <- step 1');
    expect(texts[1]).toMatch(/^the creation: #\d+ +\S+ +created +create-if-missing +AUTO_CREATE_ALLOWED +development$/m);
    expect(texts[1]).toContain(`${second().auditTrail.total} rows: created=1, refused=2`);
  });

  it('counts the audit trail per outcome: one creation, one refusal per run', () => {
    expect(first().auditTrail.byOutcome).toMatchObject({ created: 1, refused: 1 });
    expect(second().auditTrail.byOutcome).toMatchObject({ created: 1, refused: 2 });
    expect(Object.keys(second().auditTrail.byOutcome).sort()).toEqual(['created', 'refused']);
  });

  it('runs a LangGraph graph on the saver: pauses, resumes, and leaves rows owned by the dev user and the thread', async () => {
    for (const run of runs) {
      expect(run.langgraph.paused).toBe('publish the draft?');
      expect(run.langgraph.steps).toEqual(['draft', 'review: yes', 'publish']);
      expect(run.langgraph.rows).toMatchObject({ agent_threads: 1, agent_checkpoint_writes: expect.any(Number) });
      expect(run.langgraph.rows.agent_checkpoints).toBeGreaterThanOrEqual(5);
      expect(run.langgraph.rows.agent_checkpoint_blobs).toBeGreaterThan(0);
    }
    expect(texts[0]).toContain('paused in review, asking: "publish the draft?"');
    expect(texts[0]).toContain('resumed with "yes": steps draft -> review: yes -> publish');
    expect(await db().prisma.agentCheckpoint.count({ where: { userId: { not: DEV_USER } } })).toBe(0);
  });

  it("ends with the doctor's summary of its own database: every foreign key in place, no orphan rows", () => {
    for (const run of runs) expect(run.doctor).toMatchObject({ healthy: true, orphanRows: 0 });
    expect(first().doctor.foreignKeys).toBeGreaterThan(0);
    expect(texts[1]).toContain('== Foreign key health of this database (pnpm fk:doctor) ==');
    expect(texts[1]).toMatch(/^fk:doctor: healthy$/m);
    expect(texts[1]).toMatch(/^ {2}foreign keys: \d+ \(\d+ ok\), orphan rows: 0$/m);
    expect(texts[1]!.indexOf('fk:doctor: healthy')).toBeLessThan(texts[1]!.indexOf('== Done =='));
  });
});
