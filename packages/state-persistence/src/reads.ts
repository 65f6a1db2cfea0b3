import type { PrismaClient } from '@agentstate/db';
import { decodeCursor, encodeCursor } from './cursor';
import { runDatabase } from './writePath/databaseErrors';
import { SnapshotNotFoundError } from './errors';
import { fromRecord, fromRow, SNAPSHOT_SELECT } from './snapshotMapping';
import type { SnapshotRow } from './snapshotWrites';
import type { ListSnapshotsInput, Snapshot, SnapshotPage } from './types';
import { rejectUnknownKeys, requireIdentifier, requireInteger, requireObject, requireSnapshotId } from './validation';

const LIST_KEYS = ['userId', 'threadId', 'runId', 'limit', 'cursor'] as const;
const MAX_PAGE = 500;
const MAX_LINEAGE = 10_000;

/** The read side of the service: every query uses an index that keeps its cost flat as history grows. */
export function createReads(prisma: PrismaClient) {
  async function getLatest<State>(query: { userId: string; threadId: string }): Promise<Snapshot<State> | null> {
    const fields = requireObject(query, 'getLatest query');
    rejectUnknownKeys(fields, ['userId', 'threadId'], 'getLatest query');
    const userId = requireIdentifier(fields.userId, 'userId');
    const threadId = requireIdentifier(fields.threadId, 'threadId');
    const record = await runDatabase('getLatest', () =>
      prisma.agentStateSnapshot.findFirst({ where: { userId, threadId }, orderBy: { seq: 'desc' }, select: SNAPSHOT_SELECT }),
    );
    return record ? fromRecord<State>(record) : null;
  }

  async function getSnapshot<State>(id: string): Promise<Snapshot<State>> {
    const snapshotId = requireSnapshotId(id, 'id');
    const record = await runDatabase('getSnapshot', () => prisma.agentStateSnapshot.findUnique({ where: { id: snapshotId }, select: SNAPSHOT_SELECT }));
    if (!record) throw new SnapshotNotFoundError(snapshotId);
    return fromRecord<State>(record);
  }

  async function listSnapshots<State>(query: ListSnapshotsInput): Promise<SnapshotPage<State>> {
    const fields = requireObject(query, 'listSnapshots query');
    rejectUnknownKeys(fields, LIST_KEYS, 'listSnapshots query');
    const userId = requireIdentifier(fields.userId, 'userId');
    const threadId = fields.threadId === undefined ? undefined : requireIdentifier(fields.threadId, 'threadId');
    const runId = fields.runId === undefined ? undefined : requireIdentifier(fields.runId, 'runId');
    const limit = fields.limit === undefined ? 50 : requireInteger(fields.limit, 'limit', 1, MAX_PAGE);
    const filterKey = JSON.stringify([userId, threadId ?? null, runId ?? null]);
    const before = fields.cursor === undefined || fields.cursor === null ? undefined : decodeCursor(fields.cursor, filterKey);
    const rows = await runDatabase('listSnapshots', () =>
      prisma.agentStateSnapshot.findMany({
        where: { userId, threadId, runId, ...(before !== undefined ? { seq: { lt: before } } : {}) },
        orderBy: { seq: 'desc' },
        take: limit + 1,
        select: { ...SNAPSHOT_SELECT, seq: true },
      }),
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => fromRecord<State>(row)),
      nextCursor: rows.length > limit && last ? encodeCursor(last.seq, filterKey) : null,
    };
  }

  async function getLineage<State>(id: string, options: { limit?: number } = {}): Promise<Array<Snapshot<State>>> {
    const snapshotId = requireSnapshotId(id, 'id');
    const opts = requireObject(options, 'getLineage options');
    rejectUnknownKeys(opts, ['limit'], 'getLineage options');
    const limit = opts.limit === undefined ? 1000 : requireInteger(opts.limit, 'limit', 1, MAX_LINEAGE);
    const rows = await runDatabase(
      'getLineage',
      () => prisma.$queryRaw<SnapshotRow[]>`
        WITH RECURSIVE chain AS (
          SELECT s.*, 1 AS depth FROM agent_state_snapshots s WHERE s.id = ${snapshotId}::uuid
          UNION ALL
          SELECT p.*, chain.depth + 1 FROM agent_state_snapshots p JOIN chain ON p.id = chain.parent_id WHERE chain.depth < ${limit}
        )
        SELECT id::text AS id, seq, user_id, thread_id, run_id, parent_id::text AS parent_id,
               state::text AS state_json, metadata::text AS metadata_json, created_at
        FROM chain ORDER BY depth`,
    );
    if (rows.length === 0) throw new SnapshotNotFoundError(snapshotId);
    return rows.map((row) => fromRow<State>(row));
  }

  return { getLatest, getSnapshot, listSnapshots, getLineage };
}
