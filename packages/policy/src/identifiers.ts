import { codePointName, displayValue } from './display';
import { PolicyConfigurationError } from './errors';
import type { ReasonCode } from './decision';

/** Matches the VarChar(128) id columns of the schema. */
export const DEFAULT_MAX_ID_LENGTH = 128;

/** The documented id alphabet, as shown in reason sentences. ASCII only. */
export const ID_ALLOWED_CHARACTERS = 'A-Z a-z 0-9 _ - . : @';

export type IdentifierValidation =
  | { ok: true; id: string }
  | { ok: false; code: ReasonCode; reason: string };

// JS \s misses U+0085 (NEL) and \p{White_Space} misses U+FEFF (BOM): use both.
const WHITESPACE = /[\s\p{White_Space}]/u;
// C0 controls (incl. NUL), DEL and C1 controls: the Unicode Cc category.
const CONTROL = /\p{Cc}/u;
// With the u flag a lone surrogate is one match, so it is reported, not split.
const OUTSIDE_ALPHABET = /[^A-Za-z0-9_\-.:@]/u;
const ALPHABET_ONLY = /^[A-Za-z0-9_\-.:@]+$/;

interface IdentifierProblem {
  code: ReasonCode;
  detail: string;
}

/**
 * Validates an untrusted id. Checks run in this order and the first failure
 * wins: not a string, empty, longer than maxLength (UTF-16 code units, which
 * equals characters for a valid, ASCII-only id), whitespace (any unicode
 * whitespace, incl. tab/newline/U+00A0/U+2003), control characters (C0, DEL,
 * C1, incl. NUL), then any character outside `A-Z a-z 0-9 _ - . : @`
 * (so look-alikes such as Cyrillic 'е' or fullwidth letters are rejected).
 * The reason never echoes more than 64 characters and escapes the rest.
 */
export function validateIdentifier(
  id: unknown,
  options: { maxLength?: number } = {},
): IdentifierValidation {
  const maxLength = options.maxLength ?? DEFAULT_MAX_ID_LENGTH;
  assertMaxIdLength(maxLength);
  const problem = identifierProblem(id, maxLength);
  if (problem === undefined) return { ok: true, id: id as string };
  return { ok: false, code: problem.code, reason: describeIdentifierProblem('Id', id, problem, maxLength) };
}

/** @internal shared with the policy, which names the entity in the reason. */
export function identifierProblem(id: unknown, maxLength: number): IdentifierProblem | undefined {
  if (typeof id !== 'string') {
    return { code: 'INVALID_ID_TYPE', detail: `it must be a string, got ${displayValue(id)}` };
  }
  if (id.length === 0) return { code: 'INVALID_ID_EMPTY', detail: 'it is empty' };
  if (id.length > maxLength) {
    return {
      code: 'INVALID_ID_TOO_LONG',
      detail: `it is ${id.length} characters long, the maximum is ${maxLength}`,
    };
  }
  // Every character in the alphabet: none of the checks below can fail (the common case, one test).
  if (ALPHABET_ONLY.test(id)) return undefined;
  const found =
    firstMatch(id, WHITESPACE, 'INVALID_ID_WHITESPACE', 'whitespace') ??
    firstMatch(id, CONTROL, 'INVALID_ID_CONTROL_CHARACTER', 'a control character') ??
    firstMatch(id, OUTSIDE_ALPHABET, 'INVALID_ID_CHARACTER', 'a character outside the allowed set');
  return found;
}

function firstMatch(id: string, pattern: RegExp, code: ReasonCode, what: string): IdentifierProblem | undefined {
  const match = pattern.exec(id);
  if (match === null) return undefined;
  return { code, detail: `it contains ${what} (${codePointName(match[0])} at index ${match.index})` };
}

/** @internal */
export function describeIdentifierProblem(
  subject: string,
  id: unknown,
  problem: IdentifierProblem,
  maxLength: number,
): string {
  const shown = typeof id === 'string' ? `${subject} ${displayValue(id)}` : subject;
  return (
    `${shown} is invalid: ${problem.detail}. ` +
    `Ids must be 1 to ${maxLength} characters from ${ID_ALLOWED_CHARACTERS} (ASCII only).`
  );
}

/** @internal */
export function assertMaxIdLength(maxLength: unknown): asserts maxLength is number {
  if (typeof maxLength !== 'number' || !Number.isSafeInteger(maxLength) || maxLength < 1) {
    throw new PolicyConfigurationError(
      `maxIdLength must be a positive integer, got ${displayValue(maxLength)}.`,
    );
  }
}

/** True when `value` is a non-empty string made only of the id alphabet. */
export function isIdentifierShaped(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && !OUTSIDE_ALPHABET.test(value);
}
