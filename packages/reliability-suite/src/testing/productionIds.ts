/**
 * Deterministic generator of ids that try to slip a dev/test id past the
 * production boundary: every auto-create prefix, case variants, whitespace
 * (leading, trailing, inner, unicode), look-alike unicode prefixes, control
 * characters, near misses, and random suffixes.
 *
 * expectedOutcome() is an independent oracle written from the README's
 * documented rules, not from the service code.
 */
import { pick, randomInt, seededRandom } from '@agentstate/db/testing';

export const PRODUCTION_BOUNDARY_SEED = 0x5eed_2026;

const AUTO_CREATE_PREFIXES = ['dev-temp-', 'test-'] as const;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.:@';

const WHITESPACE = [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u2003', '\u2007', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u0085'];
const CONTROL = ['\u0000', '\u0001', '\u0007', '\u0008', '\u001b', '\u001f', '\u007f', '\u0080', '\u009b', '\u009f'];
/** per ASCII character of the prefixes, characters that look the same or nearly (Cyrillic, Greek, fullwidth, dashes, …) */
const LOOK_ALIKES: Record<string, string[]> = {
  d: ['\u0501', '\u217e', '\uff44', '\u1d05'],
  e: ['\u0435', '\u04bd', '\u212e', '\uff45', '\u00e9', '\u0117', 'e\u0301'],
  v: ['\u03bd', '\u0475', '\u2174', '\uff56', '\u1d20'],
  t: ['\u0442', '\u03c4', '\uff54', '\u0163', '\u01ab'],
  m: ['\u043c', '\u217f', '\uff4d', '\u0271'],
  p: ['\u0440', '\u03c1', '\uff50', '\u2374'],
  s: ['\u0455', '\uff53', '\u0282', '\ua731'],
  '-': ['\u2010', '\u2011', '\u2012', '\u2013', '\u2212', '\ufe63', '\uff0d', '\u00ad', '\u2043'],
};
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u2060', '\u180e', '\u034f', '\u061c', '\u200e', '\u202e'];
const NEAR_MISSES = ['dev-temp', 'devtemp-', 'dev_temp-', 'dev-temp_', 'dev.temp-', 'dev-tmp-', 'dev-temp-', 'test', 'test_', 'tests-', 'test.', 'tst-', 'test-', 'xdev-temp-', '-dev-temp-', 'prod-dev-temp-', 'acct_', 'user:', 'u@'];

export type Family = 'exact-prefix' | 'case-variant' | 'whitespace' | 'look-alike' | 'control-character' | 'invisible-character' | 'near-miss' | 'too-long';

export interface GeneratedId {
  id: string;
  family: Family;
}

function suffix(random: () => number, min = 1, max = 24): string {
  let out = '';
  const length = randomInt(random, min, max);
  for (let i = 0; i < length; i++) out += pick(random, [...ID_ALPHABET]);
  return out;
}

function insertAt(random: () => number, text: string, insert: string, where: 'start' | 'end' | 'inner' | 'any'): string {
  const position = where === 'start' ? 0 : where === 'end' ? text.length : where === 'inner' ? randomInt(random, 1, Math.max(1, text.length - 1)) : randomInt(random, 0, text.length);
  return text.slice(0, position) + insert + text.slice(position);
}

function caseVariant(random: () => number, prefix: string): string {
  for (;;) {
    const variant = [...prefix].map((c) => (random() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
    if (variant !== prefix) return variant;
  }
}

function lookAlike(random: () => number, prefix: string): string {
  const chars = [...prefix];
  const replaceable = chars.map((c, i) => (LOOK_ALIKES[c] ? i : -1)).filter((i) => i >= 0);
  const count = randomInt(random, 1, Math.min(3, replaceable.length));
  for (let k = 0; k < count; k++) {
    const i = pick(random, replaceable);
    chars[i] = pick(random, LOOK_ALIKES[prefix[i]!]!);
  }
  return chars.join('');
}

function one(random: () => number, family: Family): string {
  const prefix = pick(random, AUTO_CREATE_PREFIXES);
  switch (family) {
    case 'exact-prefix':
      return prefix + suffix(random);
    case 'case-variant':
      return caseVariant(random, prefix) + suffix(random);
    case 'whitespace':
      return insertAt(random, prefix + suffix(random), pick(random, WHITESPACE).repeat(randomInt(random, 1, 2)), pick(random, ['start', 'end', 'inner'] as const));
    case 'look-alike':
      return lookAlike(random, prefix) + suffix(random);
    case 'control-character':
      return insertAt(random, prefix + suffix(random), pick(random, CONTROL), pick(random, ['start', 'end', 'inner', 'any'] as const));
    case 'invisible-character':
      return insertAt(random, prefix + suffix(random), pick(random, INVISIBLE), pick(random, ['start', 'inner', 'end'] as const));
    case 'near-miss': {
      const near = pick(random, NEAR_MISSES);
      return random() < 0.1 ? near : near + suffix(random, 0, 24);
    }
    case 'too-long':
      return prefix + suffix(random, 129 - prefix.length, 300);
  }
}

const FAMILY_WEIGHTS: Array<[Family, number]> = [
  ['exact-prefix', 25],
  ['case-variant', 15],
  ['whitespace', 12],
  ['look-alike', 15],
  ['control-character', 10],
  ['invisible-character', 8],
  ['near-miss', 12],
  ['too-long', 3],
];

/** `count` distinct ids, the same on every run for the same seed. */
export function generateProductionBoundaryIds(count: number, seed = PRODUCTION_BOUNDARY_SEED): GeneratedId[] {
  const random = seededRandom(seed);
  const total = FAMILY_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  const seen = new Set<string>();
  const out: GeneratedId[] = [];
  for (let guard = 0; out.length < count; guard++) {
    if (guard > count * 20) throw new Error('id generator: too many duplicates');
    let roll = random() * total;
    const family = FAMILY_WEIGHTS.find(([, w]) => (roll -= w) < 0)?.[0] ?? 'exact-prefix';
    const id = one(random, family);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ id, family });
  }
  return out;
}

export type ExpectedOutcome =
  | { kind: 'malformed'; reasonCode: 'INVALID_ID_EMPTY' | 'INVALID_ID_TOO_LONG' | 'INVALID_ID_WHITESPACE' | 'INVALID_ID_CONTROL_CHARACTER' | 'INVALID_ID_CHARACTER' }
  | { kind: 'dev-id-refused' }
  | { kind: 'must-exist' };

/**
 * What the README promises for `id` in production (checks in the documented
 * order: empty, > 128 chars, whitespace, control characters, outside
 * A-Z a-z 0-9 _ - . : @; then an exact, case-sensitive dev-temp-/test- prefix
 * followed by at least one character is refused; every other id must exist).
 */
export function expectedOutcome(id: string): ExpectedOutcome {
  if (id.length === 0) return { kind: 'malformed', reasonCode: 'INVALID_ID_EMPTY' };
  if (id.length > 128) return { kind: 'malformed', reasonCode: 'INVALID_ID_TOO_LONG' };
  if (/[\s\p{White_Space}]/u.test(id)) return { kind: 'malformed', reasonCode: 'INVALID_ID_WHITESPACE' };
  if (/\p{Cc}/u.test(id)) return { kind: 'malformed', reasonCode: 'INVALID_ID_CONTROL_CHARACTER' };
  if (!/^[A-Za-z0-9_\-.:@]+$/.test(id)) return { kind: 'malformed', reasonCode: 'INVALID_ID_CHARACTER' };
  if (AUTO_CREATE_PREFIXES.some((p) => id.startsWith(p) && id.length > p.length)) return { kind: 'dev-id-refused' };
  return { kind: 'must-exist' };
}
