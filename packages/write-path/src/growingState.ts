/**
 * Growing-state storage, the pure part (docs/concepts/growing-state.md).
 *
 * A large state is stored as a layout plus elements: each item of a large
 * JSON array (a message, a tool result) is an element row of its thread,
 * stored once; the snapshot keeps the state's JSON text as literal pieces
 * and ranges of element seqs, concatenated in order (commas between the
 * elements of one range are implied). A save reuses the elements the thread
 * already holds (found by digest), so a conversation that appends one
 * message per save stores each message once and a layout of O(1) size.
 */
import { hash } from 'node:crypto';

/** States whose JSON text is shorter than this are stored whole (no overhead for small states). */
export const GROWING_STATE_MIN_BYTES = 8 * 1024;
/** An array is split into elements only from this many UTF-16 units of JSON text… */
export const MIN_ARRAY_CHARS = 2 * 1024;
/** …and only when its items average at least this many (a vector of numbers stays whole). */
export const MIN_AVERAGE_ITEM_CHARS = 64;
/** …and only with at least this many items (a one-item wrapper around a conversation is walked into instead). */
export const MIN_ARRAY_ITEMS = 4;
/** Past this many ranges in one layout, the state's elements are stored afresh in one run (bounds read cost after many edits). */
export const MAX_LAYOUT_RANGES = 256;

/** A piece of a split state: literal JSON text, or the items of a large array (their JSON texts). */
export type StatePart = { text: string } | { items: string[] };

/** One entry of a stored layout: literal text, or an inclusive range [from, to] of element seqs. */
export type LayoutEntry = string | [number, number];

/**
 * Splits a JSON text (as JSON.stringify writes it; whitespace between tokens
 * is kept in the literal pieces) into literal pieces and large arrays' items.
 * Returns null when nothing is worth splitting. Objects and small arrays are
 * walked into; the items of a split array are kept whole.
 */
export function splitJson(json: string): StatePart[] | null {
  const parts: StatePart[] = [];
  let literalStart = 0;
  let splitAny = false;

  function flushLiteral(end: number): void {
    if (end > literalStart) pushText(parts, json.slice(literalStart, end));
  }

  function skipSpace(i: number): number {
    let c = json.charCodeAt(i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = json.charCodeAt(++i);
    return i;
  }

  function stringEnd(i: number): number {
    // i at the opening quote; returns the index after the closing one
    let j = i + 1;
    for (;;) {
      const q = json.indexOf('"', j);
      if (q < 0) throw new SyntaxError('unterminated string');
      let backslashes = 0;
      for (let k = q - 1; json.charCodeAt(k) === 0x5c; k--) backslashes++;
      if (backslashes % 2 === 0) return q + 1;
      j = q + 1;
    }
  }

  function scalarEnd(i: number): number {
    let c = json.charCodeAt(i);
    while (i < json.length && c !== 0x2c && c !== 0x5d && c !== 0x7d && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) c = json.charCodeAt(++i);
    return i;
  }

  /** Walks the value at i, splitting large arrays into parts; returns the index after it. */
  function value(i: number, depth: number): number {
    const c = json.charCodeAt(i);
    if (c === 0x22) return stringEnd(i);
    if (c === 0x7b) {
      let j = skipSpace(i + 1);
      if (json.charCodeAt(j) === 0x7d) return j + 1;
      for (;;) {
        j = skipSpace(stringEnd(skipSpace(j)));
        j = skipSpace(value(skipSpace(j + 1), depth + 1)); // after ':'
        if (json.charCodeAt(j) === 0x7d) return j + 1;
        j = skipSpace(j + 1); // after ','
      }
    }
    if (c === 0x5b) return array(i, depth);
    return scalarEnd(i);
  }

  /** Item boundaries of the array at i, without splitting anything inside (a dry walk). */
  function items(i: number): { spans: Array<[number, number]>; end: number } {
    const spans: Array<[number, number]> = [];
    let j = skipSpace(i + 1);
    if (json.charCodeAt(j) === 0x5d) return { spans, end: j + 1 };
    for (;;) {
      const start = j;
      const stop = skipValue(j);
      spans.push([start, stop]);
      j = skipSpace(stop);
      if (json.charCodeAt(j) === 0x5d) return { spans, end: j + 1 };
      j = skipSpace(j + 1);
    }
  }

  function skipValue(i: number): number {
    const c = json.charCodeAt(i);
    if (c === 0x22) return stringEnd(i);
    if (c !== 0x7b && c !== 0x5b) return scalarEnd(i);
    // brackets balanced outside strings
    let depth = 0;
    let j = i;
    for (;;) {
      const d = json.charCodeAt(j);
      if (d === 0x22) {
        j = stringEnd(j);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
      if (j > json.length) throw new SyntaxError('unterminated value');
    }
  }

  function array(i: number, depth: number): number {
    const end = skipValue(i);
    const chars = end - i;
    if (chars >= MIN_ARRAY_CHARS) {
      const { spans } = items(i);
      if (spans.length >= MIN_ARRAY_ITEMS && chars / spans.length >= MIN_AVERAGE_ITEM_CHARS) {
        flushLiteral(i + 1); // up to and including '['
        parts.push({ items: spans.map(([a, b]) => json.slice(a, b)) });
        literalStart = end - 1; // from the closing ']'
        splitAny = true;
        return end;
      }
    }
    if (chars < MIN_ARRAY_CHARS) return end; // nothing large inside
    // a large array of few or small items: walk into them (objects in it may hold large arrays)
    let j = skipSpace(i + 1);
    if (json.charCodeAt(j) === 0x5d) return j + 1;
    for (;;) {
      j = skipSpace(value(j, depth + 1));
      if (json.charCodeAt(j) === 0x5d) return j + 1;
      j = skipSpace(j + 1);
    }
  }

  const end = skipSpace(value(skipSpace(0), 0));
  if (end !== json.length) throw new SyntaxError('trailing text after the JSON value');
  flushLiteral(json.length);
  return splitAny ? parts : null;
}

function pushText(parts: StatePart[], text: string): void {
  const last = parts[parts.length - 1];
  if (last && 'text' in last) last.text += text;
  else parts.push({ text });
}

/** The digest an element is known by (per thread, never across users). */
export function elementDigest(body: string): string {
  return hash('sha256', body, 'base64');
}

/** What a writer knows of a thread's elements: which seqs hold which content, and the last seq allocated. */
export interface KnownElements {
  /** digest -> seq of an element known to exist (guarded by the epoch in the statement) */
  seqByDigest: ReadonlyMap<string, number>;
  /** the thread's last_seq as last seen: new elements get last_seq + 1, + 2, … */
  lastSeq: number;
}

export interface PlannedLayout {
  /** the layout; element seqs absolute, or relative to the thread's last_seq (when `relative`) */
  layout: LayoutEntry[];
  /** the new elements' JSON texts, in seq order (seq = base + 1 + index) */
  bodies: string[];
  /** their digests, same order */
  digests: string[];
  /** true when no known elements were used: ranges are offsets from the last_seq the database holds */
  relative: boolean;
  /** seqs referenced by the layout that existed before this save (the statement's guard makes sure they still do) */
  reused: number;
}

/**
 * The layout of a split state. With `known`, elements whose digest is known
 * are referenced where they are and new ones get seqs from known.lastSeq + 1
 * (absolute ranges; the statement refuses if last_seq or the epoch moved).
 * Without, every element is new and ranges are relative to the database's
 * last_seq (always correct, stores more). Equal items within the save share
 * one element. Pure.
 */
export function planLayout(parts: readonly StatePart[], known: KnownElements | null): PlannedLayout {
  const planned = plan(parts, known);
  // Too fragmented (many edits in the middle): store it afresh in one run, so reads stay cheap.
  if (known && countRanges(planned.layout) > MAX_LAYOUT_RANGES) return plan(parts, null);
  return planned;
}

function plan(parts: readonly StatePart[], known: KnownElements | null): PlannedLayout {
  const layout: LayoutEntry[] = [];
  const bodies: string[] = [];
  const digests: string[] = [];
  const fresh = new Map<string, number>();
  const base = known ? known.lastSeq : 0;
  let reused = 0;
  const text = (t: string) => {
    const last = layout[layout.length - 1];
    if (typeof last === 'string') layout[layout.length - 1] = last + t;
    else layout.push(t);
  };
  for (const part of parts) {
    if ('text' in part) {
      text(part.text);
      continue;
    }
    let open: [number, number] | null = null;
    for (const body of part.items) {
      const digest = elementDigest(body);
      let seq = known?.seqByDigest.get(digest) ?? fresh.get(digest);
      if (seq === undefined) {
        bodies.push(body);
        digests.push(digest);
        seq = base + bodies.length;
        fresh.set(digest, seq);
      } else if (!fresh.has(digest)) reused++;
      if (open && seq === open[1] + 1) open[1] = seq;
      else {
        if (open) text(',');
        open = [seq, seq];
        layout.push(open);
      }
    }
  }
  return { layout, bodies, digests, relative: known === null, reused };
}

function countRanges(layout: readonly LayoutEntry[]): number {
  let n = 0;
  for (const entry of layout) if (typeof entry !== 'string') n++;
  return n;
}

/** The JSON text a layout stands for, given the element bodies by seq (what the SQL assembles; for tests and the reference). */
export function assembleLayout(layout: readonly LayoutEntry[], bodyOf: (seq: number) => string): string {
  let out = '';
  for (const entry of layout) {
    if (typeof entry === 'string') out += entry;
    else for (let seq = entry[0]; seq <= entry[1]; seq++) out += (seq === entry[0] ? '' : ',') + bodyOf(seq);
  }
  return out;
}
