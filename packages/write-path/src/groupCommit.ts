/**
 * Group commit, for any door's fast-path writes. While `maxInFlight`
 * statements are running, new writes wait and then go out together as ONE
 * statement (one commit, one WAL flush for all of them). Each caller is
 * answered only when the statement that carried its write has returned, i.e.
 * after its commit: nothing is acknowledged before it is durable.
 *
 * Writes that arrive in the same tick are sent together, and the waiting
 * writes are shared evenly among the free statement slots: the callers a
 * batch answers all come back in one tick, and sending the first of them at
 * once would leave a statement of one row and one of all the others, in turn
 * on one server backend, where two even batches keep two backends busy.
 *
 * If the whole statement fails (anything but a lost connection), each write
 * is sent again on its own, so one bad write fails alone; a lost connection
 * fails every write of the batch with that error. Large writes skip the
 * queue: their cost is the server parsing and storing the bytes, not the
 * commit, so sharing a commit buys nothing.
 */
import { isUnavailable } from './databaseErrors';

export interface GroupCommitOptions {
  /** statements running at once; writes beyond that wait for the next batch (default 2) */
  maxInFlight?: number;
  /** writes per statement at most (default 64) */
  maxBatch?: number;
  /** a write above this many bytes goes out alone, at once (default 16 KiB) */
  maxRowBytes?: number;
}

/** What a door's writes need: their statements, alone and together, and their size. */
export interface GroupCommitStatements<W, R> {
  /** one write in a statement of its own (a lone or large write, or the retry of a failed batch) */
  one(write: W): Promise<R>;
  /** several writes in one statement: one result per write, in their order */
  many(writes: W[]): Promise<R[]>;
  bytes(write: W): number;
  /** after a failed batch, the writes alone: all at once, or in arrival order (when a later write must win) */
  retry: 'parallel' | 'in-order';
}

interface Waiting<W, R> {
  write: W;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class GroupCommit<W, R> {
  private readonly queue: Array<Waiting<W, R>> = [];
  private inFlight = 0;
  private pumpScheduled = false;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  private readonly maxRowBytes: number;

  constructor(
    private readonly statements: GroupCommitStatements<W, R>,
    options: GroupCommitOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 64;
    this.maxRowBytes = options.maxRowBytes ?? 16 * 1024;
  }

  insert(write: W): Promise<R> {
    if (this.statements.bytes(write) > this.maxRowBytes) return this.statements.one(write);
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.schedulePump();
    });
  }

  /** After the current tick, when every write that arrives in it is queued (a lone write: a tick later, no timer). */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    process.nextTick(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      // shared evenly among the free slots: two batches of 7 run on two backends at once, 1 + 13 do not
      const size = Math.min(this.maxBatch, Math.ceil(this.queue.length / (this.maxInFlight - this.inFlight)));
      const batch = this.queue.splice(0, size);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.schedulePump();
      });
    }
  }

  private async flush(batch: Array<Waiting<W, R>>): Promise<void> {
    const { statements } = this;
    const alone = (waiting: Waiting<W, R>) => statements.one(waiting.write).then(waiting.resolve, waiting.reject);
    if (batch.length === 1) return alone(batch[0] as Waiting<W, R>);
    let results: R[];
    try {
      results = await statements.many(batch.map((b) => b.write));
    } catch (error) {
      if (isUnavailable(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      // One bad write must not fail the others: each on its own.
      if (statements.retry === 'parallel') await Promise.all(batch.map(alone));
      else for (const waiting of batch) await alone(waiting);
      return;
    }
    batch.forEach((waiting, i) => waiting.resolve(results[i] as R));
  }
}
