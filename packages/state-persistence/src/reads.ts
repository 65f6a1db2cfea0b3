import type { PrismaClient } from '@agentstate/db';
import { decodeCursor, encodeCursor } from './cursor';
import { SnapshotNotFoundError } from './errors';
import { fromRow } from './snapshotMapping';
import type { SnapshotRow } from './snapshotWrites';
import type { GetLineageInput, GetSnapshotInput, ListSnapshotsInput, Snapshot, SnapshotPage } from './types';
import { rejectUnknownKeys, requireIdentifier, requireInteger, requireObject, requireSnapshotId } from './validation';
import { Prisma } from '@agentstate/db';
import { runDatabase, stateTextColumn } from '@agentstate/write-path';

const LIST_KEYS = ['userId', 'threadId', 'runId', 'limit', 'cursor', 'maxBytes'] as const;
const MAX_PAGE = 500;
const MAX_LINEAGE = 10_000;
const MiB = 1024 * 1024;
/** Bytes of encoded state and metadata one read may return at most (one row is always returned). */
export const DEFAULT_MAX_READ_BYTES = 8 * MiB;
const MAX_READ_BYTES = 256 * MiB;

/** A snapshot's columns as SnapshotRow, from agent_state_snapshots aliased s. */
const SNAPSHOT_COLUMNS = Prisma.sql`s.id::text AS id, s.seq, s.user_id, s.thread_id, s.run_id, s.parent_id::text AS parent_id,
  ${stateTextColumn('s')} AS state_json, s.metadata::text AS metadata_json, s.created_at`;

/**
 * The read side of the service. Every read names its owner: a snapshot of
 * another user is indistinguishable from a missing one, and lineage never
 * crosses users. Every query uses an index that keeps its cost flat as
 * history grows, and multi-row reads stop at a byte budget computed in SQL,
 * so rows past it are never sent or decoded.
 */
export function createReads(prisma: PrismaClient, defaultMaxBytes: number = DEFAULT_MAX_READ_BYTES) {
  function budget(value: unknown): number {
    return value === undefined ? defaultMaxBytes : requireInteger(value, 'maxBytes', 1024, MAX_READ_BYTES);
  }

  async function getLatest<State>(query: { userId: string; threadId: string }): Promise<Snapshot<State> | null> {
    const fields = requireObject(query, 'getLatest query');
    rejectUnknownKeys(fields, ['userId', 'threadId'], 'getLatest query');
    const userId = requireIdentifier(fields.userId, 'userId');
    const threadId = requireIdentifier(fields.threadId, 'threadId');
    const rows = await runDatabase('getLatest', () =>
      prisma.$queryRaw<SnapshotRow[]>`
        SELECT ${SNAPSHOT_COLUMNS} FROM agent_state_snapshots s
        WHERE s.user_id = ${userId} AND s.thread_id = ${threadId} ORDER BY s.seq DESC LIMIT 1`,
    );
    return rows[0] ? fromRow<State>(rows[0]) : null;
  }

  async function getSnapshot<State>(query: GetSnapshotInput): Promise<Snapshot<State>> {
    const fields = requireObject(query, 'getSnapshot query');
    rejectUnknownKeys(fields, ['userId', 'id'], 'getSnapshot query');
    const userId = requireIdentifier(fields.userId, 'userId');
    const id = requireSnapshotId(fields.id, 'id');
    // The owner is part of the lookup: another user's snapshot is simply not found.
    const rows = await runDatabase('getSnapshot', () =>
      prisma.$queryRaw<SnapshotRow[]>`SELECT ${SNAPSHOT_COLUMNS} FROM agent_state_snapshots s WHERE s.id = ${id}::uuid AND s.user_id = ${userId}`,
    );
    if (!rows[0]) throw new SnapshotNotFoundError(id);
    return fromRow<State>(rows[0]);
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
    // limit + 1 candidates (to know whether there is a next page), cut at the byte budget: the
    // running size counts the rows before each one, so the first row always fits.
    const seqBefore = before === null ? null : before.toString();
    const rows = await runDatabase(
      'listSnapshots',
      () => prisma.$queryRaw<Array<SnapshotRow & { candidates: bigint | number }>>`
        SELECT * FROM (
          SELECT c.*, count(*) OVER () AS candidates,
                 coalesce(sum(octet_length(c.state_json) + octet_length(c.metadata_json)) OVER (ORDER BY c.seq DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS bytes_before
          FROM (
            SELECT id::text AS id, seq, user_id, thread_id, run_id, parent_id::text AS parent_id,
                   ${stateTextColumn('s')} AS state_json, metadata::text AS metadata_json, created_at
            FROM agent_state_snapshots s
            WHERE user_id = ${userId}
              AND (${threadId}::text IS NULL OR thread_id = ${threadId})
              AND (${runId}::text IS NULL OR run_id = ${runId})
              AND (${seqBefore}::bigint IS NULL OR seq < ${seqBefore}::bigint)
            ORDER BY seq DESC
            LIMIT ${limit + 1}
          ) c
        ) sized
        WHERE bytes_before < ${maxBytes}
        ORDER BY seq DESC`,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const more = rows.length > page.length || Number(rows[0]?.candidates ?? 0) > page.length;
    return {
      items: page.map((row) => fromRow<State>(row)),
      nextCursor: more && last ? encodeCursor(BigInt(last.seq), filterKey) : null,
    };
  }

  async function getLineage<State>(query: GetLineageInput): Promise<Array<Snapshot<State>>> {
    const fields = requireObject(query, 'getLineage query');
    rejectUnknownKeys(fields, ['userId', 'id', 'limit', 'maxBytes'], 'getLineage query');
    const userId = requireIdentifier(fields.userId, 'userId');
    const id = requireSnapshotId(fields.id, 'id');
    const limit = fields.limit === undefined ? 1000 : requireInteger(fields.limit, 'limit', 1, MAX_LINEAGE);
    const maxBytes = budget(fields.maxBytes);
    // Every step stays within the owner's rows; the walk stops at `limit` rows or once the
    // rows so far reach the byte budget (their size is summed in SQL, before anything is sent).
    const rows = await runDatabase(
      'getLineage',
      () => prisma.$queryRaw<SnapshotRow[]>`
        WITH RECURSIVE chain AS (
          SELECT s.id, s.seq, s.user_id, s.thread_id, s.run_id, s.parent_id, s.created_at, t.state_json, t.metadata_json,
                 1 AS depth, (octet_length(t.state_json) + octet_length(t.metadata_json))::bigint AS bytes
          FROM agent_state_snapshots s, LATERAL (SELECT ${stateTextColumn('s')} AS state_json, s.metadata::text AS metadata_json) t
          WHERE s.id = ${id}::uuid AND s.user_id = ${userId}
          UNION ALL
          SELECT p.id, p.seq, p.user_id, p.thread_id, p.run_id, p.parent_id, p.created_at, t.state_json, t.metadata_json,
                 chain.depth + 1, chain.bytes + octet_length(t.state_json) + octet_length(t.metadata_json)
          FROM chain JOIN agent_state_snapshots p ON p.id = chain.parent_id AND p.user_id = chain.user_id,
               LATERAL (SELECT ${stateTextColumn('p')} AS state_json, p.metadata::text AS metadata_json) t
          WHERE chain.depth < ${limit} AND chain.bytes < ${maxBytes}
        )
        SELECT id::text AS id, seq, user_id, thread_id, run_id, parent_id::text AS parent_id, state_json, metadata_json, created_at
        FROM chain ORDER BY depth`,
    );
    if (rows.length === 0) throw new SnapshotNotFoundError(id);
    return rows.map((row) => fromRow<State>(row));
  }

  return { getLatest, getSnapshot, listSnapshots, getLineage };
}

