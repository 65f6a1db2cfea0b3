/**
 * In-process turns per thread for expectedParentId saves. Writers of one
 * thread wait here, in memory, instead of each holding a pool connection
 * while blocked on the thread's database lock: a busy thread then uses at
 * most one connection of this process, and cannot starve saves to other
 * threads. (Other processes are serialised by the database lock, bounded by
 * lock_timeout.) A wait longer than `timeoutMs` gives up.
 */
export class ThreadTurns {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves with a release function once it is this caller's turn; rejects with `onTimeout()` after timeoutMs. */
  async acquire(key: string, timeoutMs: number, onTimeout: () => Error): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        previous,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(onTimeout()), timeoutMs);
        }),
      ]);
    } catch (error) {
      // Give up our place: whoever queued after us waits only for those before us.
      release();
      this.forgetIfLast(key, tail);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return () => {
      release();
      this.forgetIfLast(key, tail);
    };
  }

  private forgetIfLast(key: string, tail: Promise<void>): void {
    if (this.tails.get(key) === tail) this.tails.delete(key);
  }
}
