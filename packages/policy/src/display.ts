/** How many characters of an untrusted value a reason sentence may echo. */
export const DISPLAY_MAX_CHARS = 64;

/**
 * A short, printable, single-line rendering of an untrusted value for reason
 * sentences and audit rows: at most DISPLAY_MAX_CHARS code points of a string
 * are kept, and anything outside printable ASCII (controls, NUL, unicode
 * whitespace, look-alike letters, lone surrogates) is written as \u{HEX} so
 * it is visible and cannot break logs. Strings are quoted; other values are
 * described by type only (never calls toString, so it stays side-effect free).
 */
export function displayValue(value: unknown): string {
  if (typeof value === 'string') return displayString(value);
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// Printable ASCII but \ and ", short enough to show whole: shown as is (every valid id; this runs on every decision).
const SHOWN_AS_IS = new RegExp(`^[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]{0,${DISPLAY_MAX_CHARS}}$`);

function displayString(value: string): string {
  if (SHOWN_AS_IS.test(value)) return `"${value}"`;
  const codePoints = Array.from(value);
  const shown = codePoints.slice(0, DISPLAY_MAX_CHARS).map(escapeChar).join('');
  const hidden = codePoints.length - DISPLAY_MAX_CHARS;
  return hidden > 0 ? `"${shown}"… (${value.length} characters)` : `"${shown}"`;
}

function escapeChar(char: string): string {
  const codePoint = char.codePointAt(0) ?? 0;
  if (codePoint >= 0x20 && codePoint <= 0x7e && char !== '\\' && char !== '"') return char;
  return `\\u{${codePoint.toString(16).toUpperCase()}}`;
}

/** "U+00A0" style name of the first code point of `char`. */
export function codePointName(char: string): string {
  const codePoint = char.codePointAt(0) ?? 0;
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}
