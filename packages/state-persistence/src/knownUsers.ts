/**
 * Ids of users this process has seen exist (bounded, least recently used out).
 * A known user's save skips the provisioning path: one plain INSERT, the
 * foreign key doing the existence check. If the user was deleted meanwhile,
 * the foreign key says so and the service forgets the id.
 */
export class KnownUsers {
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
}
