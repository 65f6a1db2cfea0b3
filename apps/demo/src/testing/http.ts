import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

/** A unique id per test, so tests sharing one database never see each other's rows. */
export function unique(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  json: unknown;
}

export interface RawResponse extends ApiResponse {
  /** the body as received, to search it for what must not be there */
  text: string;
}

/**
 * One request with fetch; `body` is JSON-encoded unless it is already a
 * string (raw, e.g. malformed JSON); `headers` e.g. bearer(token).
 */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'Content-Type': 'application/json', ...headers };
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

export type Caller = (method: string, path: string, body?: unknown) => Promise<RawResponse>;

/** `call` with a fixed base URL and Authorization header. */
export function caller(base: string, headers: Record<string, string>): Caller {
  return (method, path, body) => call(base, method, path, body, headers);
}

/** A POST whose body is sent chunked (no Content-Length), in `chunks` pieces of `chunkBytes`. */
export function postChunked(base: string, path: string, chunks: number, chunkBytes: number, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown }));
      res.on('error', reject);
    });
    // The server may answer and close before the whole body is sent: that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    let sent = 0;
    const writeNext = (): void => {
      while (sent < chunks) {
        sent++;
        if (!req.write(Buffer.alloc(chunkBytes, 0x20))) {
          req.once('drain', writeNext);
          return;
        }
      }
      req.end();
    };
    writeNext();
  });
}

export const errorBody = (code: string, message: unknown = expect.any(String)) => ({ error: { code, message } });
