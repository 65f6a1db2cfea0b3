/**
 * The load scenarios, shared by every configuration the README recommends
 * (PGlite; PostgreSQL with and without db.sql; through PgBouncer in
 * transaction and session mode): 200 concurrent first saves for one
 * brand-new dev user, and 200 concurrent saves spread over 20 new users.
 * Zero errors, exactly one user row per id, every acknowledged snapshot
 * readable with what was written, exactly one 'created' audit row per user,
 * and the audit rows agree with what each save reported.
 */
import type { PrismaClient } from '@agentstate/db';
import type { SaveSnapshotResult, StatePersistence } from '@agentstate/state-persistence';
import { recordFigure } from '../figures/figures';
import { describeError, settle, unique } from './helpers';

export const SAVES = 200;
export const USERS = 20;

export interface Burst {
  userIds: string[];
  results: Array<{ userId: string; i: number; outcome: Awaited<ReturnType<typeof settle<SaveSnapshotResult<{ i: number; userId: string }>>>> }>;
}

export async function burst(service: StatePersistence, userIds: string[]): Promise<Burst> {
  const jobs = Array.from({ length: SAVES }, (_, i) => {
    const userId = userIds[i % userIds.length]!;
    return settle(() => service.saveSnapshot({ userId, threadId: 'load', runId: 'r', state: { i, userId } })).then((outcome) => ({ userId, i, outcome }));
  });
  return { userIds, results: await Promise.all(jobs) };
}

export interface Verdict {
  errors: string[];
  userRows: Record<string, number>;
  unreadable: string[];
  wrongState: string[];
  createdAuditRows: Record<string, number>;
  auditMismatch: string[];
  acknowledged: number;
}

export async function verify(prisma: PrismaClient, service: StatePersistence, { userIds, results }: Burst): Promise<Verdict> {
  const errors = results.filter((r) => !r.outcome.ok).map((r) => `save ${r.i} for ${r.userId}: ${describeError((r.outcome as { error: unknown }).error)}`);
  const saved = results.flatMap((r) => (r.outcome.ok && r.outcome.value.status === 'saved' ? [{ ...r, result: r.outcome.value }] : []));
  const notSaved = results.filter((r) => r.outcome.ok && r.outcome.value.status !== 'saved').map((r) => `save ${r.i}: status ${(r.outcome as { value: SaveSnapshotResult }).value.status}`);

  const userRows: Record<string, number> = {};
  const createdAuditRows: Record<string, number> = {};
  const auditMismatch: string[] = [];
  for (const userId of userIds) {
    userRows[userId] = await prisma.user.count({ where: { id: userId } });
    const audit = await prisma.userProvisioningAudit.groupBy({ by: ['outcome'], where: { subjectId: userId }, _count: true });
    const count = (outcome: string) => audit.find((a) => a.outcome === outcome)?._count ?? 0;
    createdAuditRows[userId] = count('created');
    // what the saves reported must match the audit trail exactly: one 'created' row per save that reported
    // 'created', and every other save of a provisioned user reports 'already-existed' (no row: not an event)
    const reported = (p: string) => saved.filter((s) => s.userId === userId && s.result.provisioning === p).length;
    const savesOfUser = saved.filter((s) => s.userId === userId).length;
    if (reported('created') !== count('created') || reported('already-existed') !== savesOfUser - reported('created') || audit.some((a) => a.outcome !== 'created')) {
      auditMismatch.push(`${userId}: saves reported created=${reported('created')} already-existed=${reported('already-existed')} of ${savesOfUser}, audit rows ${JSON.stringify(audit)}`);
    }
  }

  // every acknowledged snapshot is readable through the service, with the state it was saved with
  const unreadable: string[] = [];
  const wrongState: string[] = [];
  for (const s of saved) {
    const read = await settle(() => service.getSnapshot<{ i: number; userId: string }>({ userId: s.userId, id: s.result.snapshot.id }));
    if (!read.ok) unreadable.push(`${s.result.snapshot.id}: ${describeError(read.error)}`);
    else if (read.value.state.i !== s.i || read.value.state.userId !== s.userId || read.value.userId !== s.userId) wrongState.push(s.result.snapshot.id);
  }
  const ids = new Set(saved.map((s) => s.result.snapshot.id));
  if (ids.size !== saved.length) wrongState.push(`duplicate snapshot ids: ${saved.length - ids.size}`);
  return { errors: [...errors, ...notSaved], userRows, unreadable, wrongState, createdAuditRows, auditMismatch, acknowledged: saved.length };
}

export function expectClean(v: Verdict, userIds: string[]): void {
  expect(v.errors).toEqual([]);
  expect(v.acknowledged).toBe(SAVES);
  expect(v.userRows).toEqual(Object.fromEntries(userIds.map((id) => [id, 1])));
  expect(v.createdAuditRows).toEqual(Object.fromEntries(userIds.map((id) => [id, 1])));
  expect(v.auditMismatch).toEqual([]);
  expect(v.unreadable).toEqual([]);
  expect(v.wrongState).toEqual([]);
}


const slug = (label: string) => label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');

/** Connections open on the database during a burst (PostgreSQL): proves the saves really ran in parallel. */
async function connectionsInUse(prisma: PrismaClient): Promise<number> {
  const rows = await prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`;
  return (rows[0]?.n ?? 0) + 1;
}

/**
 * Both load tests for one configuration. `open` gives the client the
 * scenario reads through and the service under load; `parallel` says whether
 * several connections must have been used (not on PGlite).
 */
export function loadScenarios(testFile: string, label: string, open: () => { prisma: PrismaClient; service: (environment: 'development' | 'test') => StatePersistence }, parallel: boolean): void {
  it(`${SAVES} concurrent first saves for one brand-new dev user [${label}]`, async () => {
    const { prisma, service: make } = open();
    const service = make('development');
    const userId = unique('dev-temp-load1-');
    const result = await burst(service, [userId]);
    const connections = parallel ? await connectionsInUse(prisma) : 1;
    const v = await verify(prisma, service, result);
    recordFigure(testFile, {
      key: `concurrency.${slug(label)}.firstSaves`,
      summary: `${SAVES} concurrent first saves for 1 new dev user [${label}, ${connections} connection${connections === 1 ? '' : 's'}]: ${v.errors.length} errors, ${v.userRows[userId]} user row, ${v.acknowledged - v.unreadable.length - v.wrongState.length}/${v.acknowledged} snapshots read back, ${v.createdAuditRows[userId]} 'created' audit row`,
      values: { saves: SAVES, users: 1, errors: v.errors.length, userRows: v.userRows[userId] ?? 0, acknowledged: v.acknowledged, readBack: v.acknowledged - v.unreadable.length - v.wrongState.length, createdAuditRows: v.createdAuditRows[userId] ?? 0, connections },
    });
    expectClean(v, [userId]);
    if (parallel) expect(connections).toBeGreaterThan(1);
  }, 180_000);

  it(`${SAVES} concurrent saves spread over ${USERS} new dev users [${label}]`, async () => {
    const { prisma, service: make } = open();
    const service = make('test');
    const userIds = Array.from({ length: USERS }, (_, u) => unique(u % 2 === 0 ? `dev-temp-load${u}-` : `test-load${u}-`));
    const result = await burst(service, userIds);
    const connections = parallel ? await connectionsInUse(prisma) : 1;
    const v = await verify(prisma, service, result);
    const oneRow = Object.values(v.userRows).filter((n) => n === 1).length;
    const oneCreated = Object.values(v.createdAuditRows).filter((n) => n === 1).length;
    recordFigure(testFile, {
      key: `concurrency.${slug(label)}.spread`,
      summary: `${SAVES} concurrent saves over ${USERS} new users [${label}, ${connections} connection${connections === 1 ? '' : 's'}]: ${v.errors.length} errors, ${oneRow}/${USERS} users with exactly 1 row, ${v.acknowledged - v.unreadable.length - v.wrongState.length}/${v.acknowledged} snapshots read back, ${oneCreated}/${USERS} with exactly 1 'created' audit row`,
      values: { saves: SAVES, users: USERS, errors: v.errors.length, usersWithOneRow: oneRow, acknowledged: v.acknowledged, readBack: v.acknowledged - v.unreadable.length - v.wrongState.length, usersWithOneCreatedAuditRow: oneCreated, connections },
    });
    expectClean(v, userIds);
    if (parallel) expect(connections).toBeGreaterThan(1);
  }, 180_000);
}
