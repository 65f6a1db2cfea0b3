/**
 * Snapshot states may hold Date, BigInt, Map, Set and undefined (the service
 * round-trips them exactly). Over HTTP they become plain JSON: Dates are ISO
 * strings (their toJSON), BigInts decimal strings, Sets arrays, Maps objects
 * (arrays of [key, value] pairs when a key is not a string), undefined object
 * properties are dropped. JSON.stringify alone would throw on BigInt.
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Set) return Array.from(value);
  if (value instanceof Map) {
    const entries = Array.from(value.entries());
    return entries.every(([key]) => typeof key === 'string') ? Object.fromEntries(entries) : entries;
  }
  return value;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer);
}
