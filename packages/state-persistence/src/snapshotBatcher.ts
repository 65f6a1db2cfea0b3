/**
 * Group commit for the fast path. Saves whose referenced rows are all known
 * to exist arrive here; while `maxInFlight` statements are running, new
 * arrivals wait and then go out together as ONE multi-row INSERT (one
 * statement, one commit, one WAL flush for all of them). Each caller is
 * answered only when the statement that carried its row has returned, i.e.
 * after its commit: nothing is acknowledged before it is durable.
 *
 * A row that cannot be written (its thread or parent is missing) is not
 * inserted and its caller gets null, exactly as the single-row fast path
 * answers "not written": the write path then asks the ensure path, which
 * gives that save its own typed error while the others commit. If the whole
 * statement fails (a row deleted by another process between the check and
 * the foreign key check, or anything unexpected), each row is written again
 * on its own, so one bad save fails alone.
 *
 * Large rows skip the queue: their cost is the server parsing and compressing
 * the state, per byte, not the commit, so sharing a commit buys nothing, and
 * passing them through a text[] parameter costs more than a row of its own
 * (at 100 KB and 16 clients, batching them halved throughput in `pnpm bench`).
 */
import { randomUUID } from 'node:crypto';
import { Prisma } from '@agentstate/db';
import { insertSnapshot, type SnapshotWrite, type WrittenRow } from './snapshotWrites';
import { isUnavailable } from './writePath/databaseErrors';
import type { Queryable } from './writePath/queryable';

interface Waiting {
  write: SnapshotWrite;
  resolve(row: WrittenRow | null): void;
  reject(error: unknown): void;
}

export interface SnapshotBatcherOptions {
  /** statements running at once; arrivals beyond that wait for the next batch (default 2) */
  maxInFlight?: number;
  /** rows per statement at most (default 64) */
  maxBatch?: number;
  /** encoded state + metadata above this many bytes (UTF-16 units) go out alone, at once (default 16 KiB) */
  maxRowBytes?: number;
}

export class SnapshotBatcher {
  private readonly queue: Waiting[] = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  private readonly maxRowBytes: number;

  constructor(
    private readonly db: Queryable,
    options: SnapshotBatcherOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 64;
    this.maxRowBytes = options.maxRowBytes ?? 16 * 1024;
  }

  /** The row written for `write`, or null when it could not be written on the fast path. */
  insert(write: SnapshotWrite): Promise<WrittenRow | null> {
    if (write.stateJson.length + write.metadataJson.length > this.maxRowBytes) return insertSnapshot(this.db, write);
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0] as Waiting;
      await insertSnapshot(this.db, only.write).then(only.resolve, only.reject);
      return;
    }
    let rows: Map<string, WrittenRow>;
    const ids = batch.map(() => randomUUID());
    try {
      rows = await insertSnapshots(this.db, batch.map((b) => b.write), ids);
    } catch (error) {
      if (isUnavailable(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      // One bad row must not fail the others: each on its own.
      await Promise.all(batch.map((waiting) => insertSnapshot(this.db, waiting.write).then(waiting.resolve, waiting.reject)));
      return;
    }
    batch.forEach((waiting, i) => waiting.resolve(rows.get(ids[i] as string) ?? null));
  }
}

/**
 * Several snapshots in one statement. A row is inserted only when its thread
 * (hence its user) exists and its parent, if any, is a snapshot of the same
 * user and thread; the others are left out. Returns the inserted rows by id.
 */
async function insertSnapshots(db: Queryable, writes: SnapshotWrite[], ids: string[]): Promise<Map<string, WrittenRow>> {
  const column = <T>(pick: (w: SnapshotWrite) => T) => writes.map(pick);
  const inserted = await db.rows<WrittenRow>(Prisma.sql`
    INSERT INTO agent_state_snapshots (id, user_id, thread_id, run_id, parent_id, state, metadata)
    SELECT i.id, i.user_id, i.thread_id, i.run_id, i.parent_id, i.state::jsonb, i.metadata::jsonb
    FROM unnest(${ids}::uuid[], ${column((w) => w.userId)}::text[], ${column((w) => w.threadId)}::text[], ${column((w) => w.runId)}::text[],
                ${column((w) => w.parentId)}::uuid[], ${column((w) => w.stateJson)}::text[], ${column((w) => w.metadataJson)}::text[])
         WITH ORDINALITY AS i(id, user_id, thread_id, run_id, parent_id, state, metadata, ord)
    WHERE EXISTS (SELECT 1 FROM agent_threads t WHERE t.user_id = i.user_id AND t.id = i.thread_id)
      AND (i.parent_id IS NULL OR EXISTS (SELECT 1 FROM agent_state_snapshots p WHERE p.id = i.parent_id AND p.user_id = i.user_id AND p.thread_id = i.thread_id))
    ORDER BY i.ord
    RETURNING id::text AS id, created_at`);
  return new Map(inserted.map((row) => [row.id, row]));
}
