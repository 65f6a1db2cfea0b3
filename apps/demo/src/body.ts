import type { IncomingMessage } from 'node:http';
import { HttpError } from './httpErrors';

export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Reads and parses a JSON request body. The size is checked before parsing:
 * first the declared Content-Length, then the bytes actually received (a
 * chunked upload has no declared length), so a huge body is never buffered whole.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () => new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body is over the limit of ${maxBytes} bytes.`, { Connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new HttpError(400, 'MALFORMED_JSON', 'Request body is not valid UTF-8.');
  }
  if (text.trim() === '') throw new HttpError(400, 'MALFORMED_JSON', 'Request body is empty; send a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, 'MALFORMED_JSON', `Request body is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
}
