/**
 * Between LangGraph's serializer output and our columns. Values stay the
 * serializer's exact bytes (bytea: "bytes" values and NUL characters cannot go
 * into jsonb as they are): written as bytea parameters, read back as base64
 * text inside the reads' jsonb aggregates (the same on pg and on PGlite).
 */
import type { Checkpoint } from '@langchain/langgraph-checkpoint';

/** One serialized value: the serializer's type and bytes. */
export type Typed = [type: string, bytes: Uint8Array];

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** The checkpoint as stored: everything but its channel values (those are blobs). */
export function checkpointJson(checkpoint: Checkpoint): string {
  const { channel_values: _values, ...rest } = checkpoint;
  return JSON.stringify(rest);
}

/**
 * A jsonb copy of serialized metadata for `list` filters: NUL characters
 * removed from strings and keys (jsonb cannot hold them; PostgresSaver drops
 * them too). null when the serializer did not produce JSON.
 */
export function metadataFilterJson(type: string, bytes: Uint8Array): string | null {
  if (type !== 'json') return null;
  try {
    return JSON.stringify(stripNul(JSON.parse(new TextDecoder().decode(bytes))));
  } catch {
    return null;
  }
}

function stripNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\0/g, '');
  if (Array.isArray(value)) return value.map(stripNul);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/\0/g, ''), stripNul(v)]));
  }
  return value;
}
