import { createHash } from 'node:crypto';
import { InvalidCursorError } from './errors';

/**
 * Opaque keyset cursor: the `seq` of the last row of a page, bound to the
 * filters it was issued for, so a cursor reused with other filters is refused
 * instead of silently returning a wrong page.
 */
export function encodeCursor(seq: bigint, filterKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, s: seq.toString(), f: fingerprint(filterKey) })).toString('base64url');
}

export function decodeCursor(cursor: unknown, filterKey: string): bigint {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError('not a cursor issued by listSnapshots');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('not a cursor issued by listSnapshots');
  }
  const { v, s, f } = (parsed ?? {}) as { v?: unknown; s?: unknown; f?: unknown };
  if (v !== 1 || typeof s !== 'string' || !/^[1-9][0-9]{0,18}$/.test(s)) throw new InvalidCursorError('not a cursor issued by listSnapshots');
  if (f !== fingerprint(filterKey)) throw new InvalidCursorError('it was issued for different filters (userId/threadId/runId)');
  return BigInt(s);
}

// Pages of one listing share their filters: a hash per page is a cost worth remembering (bounded).
const fingerprints = new Map<string, string>();
const MAX_FINGERPRINTS = 1000;

function fingerprint(filterKey: string): string {
  let print = fingerprints.get(filterKey);
  if (print === undefined) {
    print = createHash('sha256').update(filterKey).digest('base64url').slice(0, 12);
    if (fingerprints.size >= MAX_FINGERPRINTS) fingerprints.clear();
    fingerprints.set(filterKey, print);
  }
  return print;
}
