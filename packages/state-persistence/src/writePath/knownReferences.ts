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
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.keys().next().value as string);
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
