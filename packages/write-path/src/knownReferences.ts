/**
 * Referenced rows (users, threads) this process has seen exist, bounded,
 * least recently used out. When every reference of a save is known, the save
 * is one plain INSERT and the foreign keys do the existence checks. A stale
 * entry costs one extra statement, never a different outcome (see writePath.ts).
 */
export class KnownReferences {
  private readonly ids = new Map<string, true>();
  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    if (!this.ids.has(id)) return false;
    this.ids.delete(id);
    this.ids.set(id, true);
    return true;
  }

  add(id: string): void {
    if (this.capacity <= 0) return;
    this.ids.delete(id);
    this.ids.set(id, true);
    if (this.ids.size > this.capacity) this.evictOldest();
  }

  /**
   * Down to 90% of capacity in one pass. Evicting one entry per add made every
   * add to a full cache slow: a Map's iteration walks past the slots its
   * deletions left at the front, and the front is where the oldest entries are.
   */
  private evictOldest(): void {
    const keep = this.capacity - Math.max(1, Math.floor(this.capacity / 10));
    for (const id of this.ids.keys()) {
      if (this.ids.size <= keep) return;
      this.ids.delete(id);
    }
  }

  forget(id: string): void {
    this.ids.delete(id);
  }

  /** Forgets every reference keyed under a user: the user itself and the rows whose key starts with it (threads). */
  forgetOwnedBy(userId: string): void {
    for (const id of this.ids.keys()) {
      const keyText = id.slice(id.indexOf(':') + 1);
      if (keyText === userId || keyText.startsWith(`${userId}/`)) this.ids.delete(id);
    }
  }
}
