/**
 * The schedule of a delay link, pure: what is written where, and when.
 *
 * Every chunk read from one side of a connection is due on the other side
 * `oneWayMs` after it arrived (half the round trip each way). Chunks are kept
 * exactly as read (never merged, never split) and leave in arrival order.
 * With one delay for every direction of every connection, due times follow
 * arrival order, so one FIFO serves all connections: each direction's own
 * chunks leave in their order, and no chunk can overtake another. A clock
 * that steps back cannot reorder either: a due time is never earlier than the
 * one before it (nor than arrival + oneWayMs).
 */
export interface Delivery<T> {
  /** where the bytes go (a socket, in the proxy) */
  target: T;
  /** the chunk as read; null: the source ended (half-close), forwarded in order after its data */
  bytes: Buffer | null;
  arrivedMs: number;
  dueMs: number;
}

export class DelayLine<T> {
  private readonly queue: Array<Delivery<T>> = [];
  private head = 0;
  private lastDueMs = Number.NEGATIVE_INFINITY;

  constructor(readonly oneWayMs: number) {
    if (!(oneWayMs >= 0) || !Number.isFinite(oneWayMs)) throw new RangeError(`one-way delay must be a finite number >= 0, got ${oneWayMs}`);
  }

  /** Queues a chunk that arrived at `arrivedMs`; returns its delivery (due time included). */
  push(target: T, bytes: Buffer | null, arrivedMs: number): Delivery<T> {
    const dueMs = Math.max(arrivedMs + this.oneWayMs, this.lastDueMs);
    this.lastDueMs = dueMs;
    const delivery = { target, bytes, arrivedMs, dueMs };
    this.queue.push(delivery);
    return delivery;
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  /** Due time of the next delivery; Infinity when nothing waits. */
  nextDueMs(): number {
    return this.head < this.queue.length ? (this.queue[this.head] as Delivery<T>).dueMs : Number.POSITIVE_INFINITY;
  }

  /** Removes and returns, in order, every delivery due at `nowMs` or earlier. */
  takeDue(nowMs: number): Array<Delivery<T>> {
    const out: Array<Delivery<T>> = [];
    while (this.head < this.queue.length && (this.queue[this.head] as Delivery<T>).dueMs <= nowMs) out.push(this.queue[this.head++] as Delivery<T>);
    // Compact now and then, not on every take: shifting an array per chunk is O(n).
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return out;
  }

  /** Drops every delivery bound for `target` (its socket is gone). */
  dropTarget(target: T): void {
    const kept = this.queue.slice(this.head).filter((d) => d.target !== target);
    this.queue.length = 0;
    this.queue.push(...kept);
    this.head = 0;
  }
}
