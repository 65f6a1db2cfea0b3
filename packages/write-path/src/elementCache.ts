/**
 * What this process knows of each thread's elements (digest -> seq, the epoch
 * and last_seq it saw), so a save finds what it can reuse without a read.
 * An optimisation only: the save statement checks the epoch and last_seq,
 * and a refused save is stored afresh (elementClause). Bounded: least
 * recently used threads are dropped, and so is a thread that grows past
 * maxElementsPerThread.
 */
import { planLayout, splitJson, type KnownElements, type PlannedLayout, type StatePart } from './growingState';
import type { ElementSave } from './growingStateSql';

interface ThreadElements extends KnownElements {
  seqByDigest: Map<string, number>;
  epoch: string;
}

export interface ElementCacheOptions {
  maxThreads?: number;
  maxElementsPerThread?: number;
}

export class ElementCache {
  private readonly threads = new Map<string, ThreadElements>();
  private readonly maxThreads: number;
  private readonly maxElements: number;

  constructor(options: ElementCacheOptions = {}) {
    this.maxThreads = options.maxThreads ?? 1000;
    this.maxElements = options.maxElementsPerThread ?? 100_000;
  }

  /** The save for a split state: reusing what is known of the thread, or all afresh (`fresh`, after a refusal). */
  plan(userId: string, threadId: string, parts: readonly StatePart[], fresh = false): ElementSave {
    const known = fresh ? undefined : this.threads.get(key(userId, threadId));
    const plan = planLayout(parts, known ?? null);
    return { userId, threadId, plan, seen: plan.relative || !known ? null : { epoch: known.epoch, lastSeq: known.lastSeq } };
  }

  /** After a save was written: its new elements exist at base + 1, + 2, … under `epoch`. */
  written(save: ElementSave, base: number, epoch: string): void {
    const k = key(save.userId, save.threadId);
    // Under a new epoch, only this save's own elements are known to exist.
    const old = this.threads.get(k);
    const entry: ThreadElements = old && old.epoch === epoch ? old : { seqByDigest: new Map(), lastSeq: 0, epoch };
    this.threads.delete(k);
    save.plan.digests.forEach((digest, i) => entry.seqByDigest.set(digest, base + i + 1));
    entry.lastSeq = base + save.plan.bodies.length;
    if (entry.seqByDigest.size > this.maxElements) return;
    this.threads.set(k, entry);
    if (this.threads.size > this.maxThreads) this.threads.delete(this.threads.keys().next().value as string);
  }

  /** The statement was refused (epoch or last_seq moved): forget the thread. */
  forget(userId: string, threadId: string): void {
    this.threads.delete(key(userId, threadId));
  }

  forgetUser(userId: string): void {
    for (const k of this.threads.keys()) if (k.startsWith(`${userId}\u0000`)) this.threads.delete(k);
  }
}

function key(userId: string, threadId: string): string {
  return `${userId}\u0000${threadId}`;
}

/** The parts of a state worth storing as elements, or null to store it whole. */
export function splitState(json: string, minBytes: number): StatePart[] | null {
  // UTF-16 length <= UTF-8 bytes: a cheap lower bound first.
  if (json.length < minBytes && Buffer.byteLength(json, 'utf8') < minBytes) return null;
  return splitJson(json);
}

export type { PlannedLayout };
