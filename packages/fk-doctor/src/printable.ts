// Values from the database are untrusted text: printed, they must not be able to
// start a line of their own (a fake verdict), move the cursor or recolour the terminal.

// Controls (C0 with newline and ESC, DEL, C1), format characters (bidi overrides,
// zero-width), line and paragraph separators, lone surrogates, and the backslash
// itself, so that what is printed reads back unambiguously.
const UNSAFE = /[\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** `text` with every unsafe character written as \u{HEX} (a backslash as \\). */
export function printable(text: string): string {
  return text.replace(UNSAFE, (char) => (char === '\\' ? '\\\\' : `\\u{${(char.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`));
}

/** A copy of plain JSON data with every string, object keys included, made printable. */
export function printableData<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) return value.map(printableData) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [printable(key), printableData(item)])) as T;
  }
  return value;
}

// JSON.stringify escapes C0 controls (newline, ESC) but leaves DEL, C1 controls,
// format characters and line separators raw; they can only sit inside strings.
const JSON_UNSAFE = /[\u007F-\u009F\p{Cf}\u2028\u2029]/gu;

/** JSON.stringify(value, null, 2), with the characters it leaves raw written as \uXXXX: still valid JSON, parsing to the same value. */
export function printableJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(JSON_UNSAFE, (char) =>
    Array.from({ length: char.length }, (_, i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}
