import { randomBytes } from 'node:crypto';

/**
 * Channel versions unique per write, like LangGraph's Python savers:
 * "<32-digit counter>.<16 random hex>". Blobs are keyed by (thread,
 * namespace, channel, version); with plain counters (1, 2, 3), a fork from an
 * earlier checkpoint reuses version numbers its sibling branch already stored
 * and would read the sibling's values. The counter keeps versions ordered
 * (zero-padded, so string order is numeric order).
 */
export function nextChannelVersion(current: string | number | undefined): string {
  const counter = current === undefined ? 0 : typeof current === 'number' ? current : Number.parseInt(current.split('.')[0] ?? '0', 10) || 0;
  return `${String(counter + 1).padStart(32, '0')}.${randomBytes(8).toString('hex')}`;
}
