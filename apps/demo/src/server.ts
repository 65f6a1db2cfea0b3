import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '@agentstate/logger';
import type { StatePersistence } from '@agentstate/state-persistence';
import { DEFAULT_MAX_BODY_BYTES } from './body';
import { errorBody, HttpError, toHttpError } from './httpErrors';
import { toJson } from './json';
import { matchRoute, ROUTES, type HandlerResult } from './routes';

export interface ApiServerOptions {
  service: StatePersistence;
  /** request bodies over this many bytes get 413 before parsing; default 2 MiB */
  maxBodyBytes?: number;
  /** where 5xx details go; default silent */
  logger?: Logger;
}

/** A plain node:http server exposing the service as a JSON API (see README.md). */
export function createApiServer(options: ApiServerOptions): Server {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = options.logger ?? silentLogger;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let result: HandlerResult;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = matchRoute(ROUTES, url.pathname);
      if (!match) throw new HttpError(404, 'ROUTE_NOT_FOUND', `No route for ${url.pathname}.`);
      const method = req.method ?? 'GET';
      const handler = match.route.methods[method];
      if (!handler) {
        const allowed = Object.keys(match.route.methods).join(', ');
        throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}; allowed: ${allowed}.`, { Allow: allowed });
      }
      result = await handler({ req, params: match.params, query: url.searchParams, service: options.service, maxBodyBytes });
    } catch (error) {
      const httpError = toHttpError(error);
      if (httpError.status >= 500) logger.error('request failed', { method: req.method, url: req.url, status: httpError.status, error: describe(error) });
      result = { status: httpError.status, body: errorBody(httpError), headers: httpError.headers };
    }
    send(res, result);
  }

  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Only reachable if writing the response itself failed (e.g. the client went away).
      logger.error('response failed', { error: describe(error) });
      res.destroy();
    });
  });
}

function send(res: ServerResponse, { status, body, headers = {} }: HandlerResult): void {
  const payload = toJson(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export interface RunningServer {
  server: Server;
  /** e.g. http://127.0.0.1:43123 */
  url: string;
  port: number;
  /** stops accepting, closes idle keep-alive connections, waits for in-flight requests */
  close(): Promise<void>;
}

/** Creates the server and listens; port 0 picks a free port. */
export async function startApiServer(options: ApiServerOptions & { port?: number; host?: string }): Promise<RunningServer> {
  const server = createApiServer(options);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    });
  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, close };
}
