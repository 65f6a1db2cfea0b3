import { runDatabase, type Queryable } from '@agentstate/write-path';
import { decodeCursor, encodeCursor } from './cursor';
import { SnapshotNotFoundError } from './errors';
import { selectLatest, selectLineage, selectPage, selectSnapshot } from './readStatements';
import { fromRow } from './snapshotMapping';
import type { GetLineageInput, GetSnapshotInput, ListSnapshotsInput, Snapshot, SnapshotPage } from './types';
import { rejectUnknownKeys, requireIdentifier, requireInteger, requireObject, requireSnapshotId } from './validation';

const LIST_KEYS = ['userId', 'threadId', 'runId', 'limit', 'cursor', 'maxBytes'] as const;
const MAX_PAGE = 500;
const MAX_LINEAGE = 10_000;
const MiB = 1024 * 1024;
/** Bytes of encoded state and metadata one read may return at most (one row is always returned). */
export const DEFAULT_MAX_READ_BYTES = 8 * MiB;
const MAX_READ_BYTES = 256 * MiB;

/**
 * The read side of the service. Every read names its owner: a snapshot of
 * another user is indistinguishable from a missing one, and lineage never
 * crosses users. Every read is one statement (readStatements.ts) on `db`:
 * db.sql on PostgreSQL, Prisma's $queryRaw where it is absent (PGlite). Every
 * query uses an index that keeps its cost flat as history grows, and
 * multi-row reads stop at a byte budget computed in SQL, so rows past it are
 * never sent or decoded.
 */
export function createReads(db: Queryable, defaultMaxBytes: number = DEFAULT_MAX_READ_BYTES) {
  function budget(value: unknown): number {
    return value === undefined ? defaultMaxBytes : requireInteger(value, 'maxBytes', 1024, MAX_READ_BYTES);
  }

  async function getLatest<State>(query: { userId: string; threadId: string }): Promise<Snapshot<State> | null> {
    const fields = requireObject(query, 'getLatest query');
    rejectUnknownKeys(fields, ['userId', 'threadId'], 'getLatest query');
    const userId = requireIdentifier(fields.userId, 'userId');
    const threadId = requireIdentifier(fields.threadId, 'threadId');
    const row = await runDatabase('getLatest', () => selectLatest(db, userId, threadId));
    return row ? fromRow<State>(row) : null;
  }

  async function getSnapshot<State>(query: GetSnapshotInput): Promise<Snapshot<State>> {
    const fields = requireObject(query, 'getSnapshot query');
    rejectUnknownKeys(fields, ['userId', 'id'], 'getSnapshot query');
    const userId = requireIdentifier(fields.userId, 'userId');
    const id = requireSnapshotId(fields.id, 'id');
    const row = await runDatabase('getSnapshot', () => selectSnapshot(db, userId, id));
    if (!row) throw new SnapshotNotFoundError(id);
    return fromRow<State>(row);
  }

  async function listSnapshots<State>(query: ListSnapshotsInput): Promise<SnapshotPage<State>> {
    const fields = requireObject(query, 'listSnapshots query');
    rejectUnknownKeys(fields, LIST_KEYS, 'listSnapshots query');
    const userId = requireIdentifier(fields.userId, 'userId');
    const threadId = fields.threadId === undefined ? null : requireIdentifier(fields.threadId, 'threadId');
    const runId = fields.runId === undefined ? null : requireIdentifier(fields.runId, 'runId');
    const limit = fields.limit === undefined ? 50 : requireInteger(fields.limit, 'limit', 1, MAX_PAGE);
    const maxBytes = budget(fields.maxBytes);
    const filterKey = JSON.stringify([userId, threadId, runId]);
    const before = fields.cursor === undefined || fields.cursor === null ? null : decodeCursor(fields.cursor, filterKey);
    const rows = await runDatabase('listSnapshots', () => selectPage(db, { userId, threadId, runId, before, limit, maxBytes }));
    // A marker row after the page (not in it) says there is a next one.
    const items = rows.filter((row) => row.in_page);
    const last = items[items.length - 1];
    return {
      items: items.map((row) => fromRow<State>(row)),
      nextCursor: items.length < rows.length && last ? encodeCursor(BigInt(last.seq), filterKey) : null,
    };
  }

  async function getLineage<State>(query: GetLineageInput): Promise<Array<Snapshot<State>>> {
    const fields = requireObject(query, 'getLineage query');
    rejectUnknownKeys(fields, ['userId', 'id', 'limit', 'maxBytes'], 'getLineage query');
    const userId = requireIdentifier(fields.userId, 'userId');
    const id = requireSnapshotId(fields.id, 'id');
    const limit = fields.limit === undefined ? 1000 : requireInteger(fields.limit, 'limit', 1, MAX_LINEAGE);
    const maxBytes = budget(fields.maxBytes);
    const rows = await runDatabase('getLineage', () => selectLineage(db, userId, id, limit, maxBytes));
    if (rows.length === 0) throw new SnapshotNotFoundError(id);
    return rows.map((row) => fromRow<State>(row));
  }

  return { getLatest, getSnapshot, listSnapshots, getLineage };
}

