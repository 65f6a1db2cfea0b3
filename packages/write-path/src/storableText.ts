/**
 * What PostgreSQL text and jsonb cannot hold as given: NUL (U+0000) is
 * refused by both, and a lone UTF-16 surrogate (not Unicode) would be sent as
 * U+FFFD, so the stored value would not be the caller's.
 */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` cannot be stored exactly, or null when it can. */
export function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'contains the NUL character (U+0000), which PostgreSQL cannot store in text';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return null;
}
