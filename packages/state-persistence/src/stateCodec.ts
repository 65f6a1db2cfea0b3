import { StateNotSerializableError, StateTooLargeError } from './errors';
import { LONE_SURROGATE } from '@agentstate/write-path';

/**
 * State encoding: JSON, plus exact round trips for the JavaScript values JSON
 * loses. A tagged object `{ "$t": <tag>, "v": <value> }` stands for:
 *   Date   -> { "$t": "Date",   "v": "2026-01-02T03:04:05.678Z" }
 *   BigInt -> { "$t": "BigInt", "v": "12345678901234567890" }
 *   Map    -> { "$t": "Map",    "v": [[key, value], ...] }   (keys of any supported type, order kept)
 *   Set    -> { "$t": "Set",    "v": [value, ...] }          (order kept)
 *   undefined (as a property or array item) -> { "$t": "undefined" }
 *   a plain object that itself has a "$t" key -> { "$t": "Object", "v": {...} } (escaped, so it is never misread)
 * Refused with StateNotSerializableError, naming the path: functions,
 * symbols (as values or keys), cycles, NaN and ±Infinity, invalid Dates,
 * class instances other than Date/Map/Set/Array (their prototype would be lost),
 * strings containing U+0000 or lone surrogates (PostgreSQL jsonb cannot hold them),
 * nesting deeper than 500 levels.
 * Not preserved: -0 becomes 0; object key order (jsonb orders keys); shared
 * references are stored as separate copies.
 */
const TAG = '$t';
const MAX_DEPTH = 500;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface EncodedValue {
  /** the JSON text stored in the jsonb column */
  json: string;
  /** its UTF-8 size, what the size limit applies to */
  bytes: number;
}

export function encodeValue(value: unknown, field: 'state' | 'metadata', limitBytes: number): EncodedValue {
  // The fast path handles every storable value; anything it refuses goes
  // through the walker, which names the path in its error (or, for the rare
  // value only the walker accepts, encodes it: both give identical JSON).
  const json = plainEncode(value) ?? fastEncode(value) ?? JSON.stringify(walkValue(value, field));
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > limitBytes) throw new StateTooLargeError(field, bytes, limitBytes);
  return { json, bytes };
}

/**
 * One JSON.parse. Only text holding a tag needs the walk below: a tag key is
 * always written `"$t"` (neither JSON.stringify nor PostgreSQL's jsonb output
 * escapes `$`), and without one the walk would rebuild the same plain data
 * (JSON.parse already keeps a "__proto__" key as data). A "$t" string value
 * just takes the walk.
 */
export function decodeValue(json: string): unknown {
  const parsed = JSON.parse(json) as Json;
  return json.includes('"$t"') ? fromJson(parsed) : parsed;
}

/** The reference encoder: walks the value, names the path of anything it refuses. */
export function walkValue(value: unknown, field = 'state'): unknown {
  return toJson(value, field, new Set(), 0);
}

function checkString(text: string, path: string, what: string): void {
  if (text.includes('\u0000')) throw new StateNotSerializableError(path, `${what} contains the NUL character (U+0000), which PostgreSQL jsonb cannot store`);
  if (LONE_SURROGATE.test(text)) throw new StateNotSerializableError(path, `${what} contains a lone UTF-16 surrogate (not valid Unicode)`);
}

function toJson(value: unknown, path: string, ancestors: Set<object>, depth: number): Json {
  if (depth > MAX_DEPTH) throw new StateNotSerializableError(path, `nesting is deeper than ${MAX_DEPTH} levels`);
  switch (typeof value) {
    case 'string':
      checkString(value, path, 'the string');
      return value;
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new StateNotSerializableError(path, `${value} is not a finite number (JSON has no NaN or Infinity); store it as null or a string`);
      return value;
    case 'bigint':
      return { [TAG]: 'BigInt', v: value.toString() };
    case 'undefined':
      return { [TAG]: 'undefined' };
    case 'function':
      throw new StateNotSerializableError(path, 'functions cannot be stored; keep only data in agent state');
    case 'symbol':
      throw new StateNotSerializableError(path, 'symbols cannot be stored');
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.has(object)) throw new StateNotSerializableError(path, 'the value contains a cycle (it refers back to itself)');
  ancestors.add(object);
  try {
    return objectToJson(object, path, ancestors, depth);
  } finally {
    ancestors.delete(object);
  }
}

function objectToJson(object: object, path: string, ancestors: Set<object>, depth: number): Json {
  const next = (child: unknown, childPath: string) => toJson(child, childPath, ancestors, depth + 1);
  if (Array.isArray(object)) {
    const items: Json[] = [];
    for (let i = 0; i < object.length; i++) items.push(next(object[i], `${path}[${i}]`));
    return items;
  }
  if (object instanceof Date) {
    if (Number.isNaN(object.getTime())) throw new StateNotSerializableError(path, 'the Date is invalid');
    return { [TAG]: 'Date', v: object.toISOString() };
  }
  if (object instanceof Map) {
    return { [TAG]: 'Map', v: [...object.entries()].map(([k, v], i) => [next(k, `${path}<key ${i}>`), next(v, `${path}<value ${i}>`)]) };
  }
  if (object instanceof Set) {
    return { [TAG]: 'Set', v: [...object.values()].map((v, i) => next(v, `${path}<item ${i}>`)) };
  }
  const proto = Object.getPrototypeOf(object) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'unknown class';
    throw new StateNotSerializableError(path, `instances of ${name} cannot be stored exactly (only plain objects, arrays, Date, Map, Set, BigInt)`);
  }
  if (Object.getOwnPropertySymbols(object).length > 0) throw new StateNotSerializableError(path, 'symbol-keyed properties cannot be stored');
  const out: { [key: string]: Json } = {};
  for (const [key, child] of Object.entries(object)) {
    checkString(key, path, `the key ${JSON.stringify(key.slice(0, 40))}`);
    // defineProperty: a "__proto__" key stays data and never becomes a prototype
    Object.defineProperty(out, key, { value: next(child, `${path}.${key}`), enumerable: true, writable: true, configurable: true });
  }
  return Object.prototype.hasOwnProperty.call(out, TAG) ? { [TAG]: 'Object', v: out } : out;
}

/* ----------------------------------------------------------- fast paths -- */

/**
 * Most states are plain JSON data already: then JSON.stringify without a
 * replacer gives exactly the walker's output, and checking first costs far
 * less than a replacer call per value (`pnpm --filter @agentstate/bench run
 * profile:client` shows the difference per save). Anything else (Date, Map, undefined, a "$t" key, deep nesting, a
 * cycle, a suspect escape) returns undefined and takes the paths below.
 */
export function plainEncode(value: unknown): string | undefined {
  // A toJSON on Object.prototype (someone else's patch) would change JSON.stringify's output.
  if (typeof (Object.prototype as { toJSON?: unknown }).toJSON === 'function' || !isPlainJson(value, 0)) return undefined;
  const json = JSON.stringify(value);
  // JSON.stringify writes "\u" only for control characters and lone surrogates: usually none, and indexOf is 20x cheaper than the regex.
  return json.includes('\\u') && SUSPECT_ESCAPE.test(json) ? undefined : json;
}

function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  // Deep values (and cycles, which never end) are left to the walker, which names the path.
  if (depth >= MAX_DEPTH - 1) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  const object = value as Record<string, unknown>;
  // for…in allocates no key array (a third of this walk's cost at 100 KB); it would also list
  // inherited enumerable keys, which only a patched Object.prototype has: checked too, harmlessly.
  for (const key in object) {
    if (key === TAG || !isPlainJson(object[key], depth + 1)) return false;
  }
  return Object.getOwnPropertySymbols(object).length === 0;
}

class Refused extends Error {}

// JSON.stringify writes U+0000 and lone surrogates as \u escapes, so one scan of
// its output finds them (in strings and keys). A match may also be a user's
// literal backslash text: then the walker decides, correctly, just slower.
const SUSPECT_ESCAPE = /\\u0000|\\ud[89a-f]/i;

/** The state of one fast encoding: objects we created, and how deep each object we let through is. */
interface FastPass {
  made: WeakSet<object>;
  depths: WeakMap<object, number>;
}

function through(pass: FastPass, holder: object, object: object): object {
  const depth = (pass.depths.get(holder) ?? 0) + 1;
  // Refusing a level earlier than the walker is fine: it then decides (and names the path).
  if (depth >= MAX_DEPTH) throw new Refused();
  pass.depths.set(object, depth);
  return object;
}

function tagged(pass: FastPass, holder: object, t: string, v?: unknown): object {
  const out = t === 'undefined' ? { [TAG]: t } : { [TAG]: t, v };
  pass.made.add(out);
  return through(pass, holder, out);
}

function replace(pass: FastPass, holder: object, original: unknown, converted: unknown): unknown {
  switch (typeof original) {
    case 'string':
    case 'boolean':
      return converted;
    case 'number':
      if (!Number.isFinite(original)) throw new Refused();
      return converted;
    case 'bigint':
      return tagged(pass, holder, 'BigInt', original.toString());
    case 'undefined':
      return tagged(pass, holder, 'undefined');
    case 'function':
    case 'symbol':
      throw new Refused();
  }
  if (original === null) return null;
  const object = original as object;
  if (Array.isArray(object) || pass.made.has(object)) return through(pass, holder, object);
  if (object instanceof Date) {
    if (Number.isNaN(object.getTime())) throw new Refused();
    return tagged(pass, holder, 'Date', object.toISOString());
  }
  if (object instanceof Map) return tagged(pass, holder, 'Map', [...object.entries()]);
  if (object instanceof Set) return tagged(pass, holder, 'Set', [...object.values()]);
  const proto = Object.getPrototypeOf(object) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new Refused();
  if (Object.getOwnPropertySymbols(object).length > 0 || typeof (object as { toJSON?: unknown }).toJSON === 'function') throw new Refused();
  if (Object.prototype.hasOwnProperty.call(object, TAG)) {
    const copy = { ...object };
    pass.made.add(copy);
    return tagged(pass, holder, 'Object', copy);
  }
  return through(pass, holder, object);
}

/**
 * One JSON.stringify with a replacer that applies the same rules and tags as
 * the walker below, without building an intermediate copy (several times
 * faster on large states). Returns undefined when the walker must decide:
 * a value to refuse, a cycle, deep nesting, or a suspect escape in the output.
 */
export function fastEncode(value: unknown): string | undefined {
  const pass: FastPass = { made: new WeakSet(), depths: new WeakMap() };
  try {
    const json = JSON.stringify(value, function (this: object, key: string, converted: unknown) {
      // The holder's own value: Date.prototype.toJSON has already run on `converted`.
      return replace(pass, this, (this as Record<string, unknown>)[key], converted);
    });
    return json !== undefined && SUSPECT_ESCAPE.test(json) ? undefined : json;
  } catch {
    return undefined;
  }
}

function fromJson(value: Json): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromJson);
  if (!Object.prototype.hasOwnProperty.call(value, TAG)) return reviveEntries(value);
  const v = value.v;
  switch (value[TAG]) {
    case 'Date':
      return new Date(v as string);
    case 'BigInt':
      return BigInt(v as string);
    case 'Map':
      return new Map((v as Json[][]).map(([k, x]) => [fromJson(k as Json), fromJson(x as Json)]));
    case 'Set':
      return new Set((v as Json[]).map(fromJson));
    case 'undefined':
      return undefined;
    case 'Object':
      return reviveEntries(v as { [key: string]: Json });
    default:
      // Not written by us (e.g. a row inserted by other software): leave it as data.
      return reviveEntries(value);
  }
}

function reviveEntries(object: { [key: string]: Json }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(object)) {
    // defineProperty: a "__proto__" key stays data and never becomes a prototype
    Object.defineProperty(out, key, { value: fromJson(child), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
