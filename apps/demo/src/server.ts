import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '@agentstate/logger';
import type { StatePersistence } from '@agentstate/state-persistence';
import { bearerToken } from './auth/bearer';
import type { TokenVerifier } from './auth/verify';
import { checkBindHost } from './bind';
import { DEFAULT_MAX_BODY_BYTES } from './body';
import { errorBody, HttpError, toHttpError } from './httpErrors';
import { toJson } from './json';
import { authorizeOwner, matchRoute, ROUTES, type HandlerResult } from './routes';

export interface ApiServerOptions {
  service: StatePersistence;
  /** verifies every request's bearer token; there is no unauthenticated mode */
  auth: TokenVerifier;
  /** request bodies over this many bytes get 413 before parsing; default 2 MiB */
  maxBodyBytes?: number;
  /** where 5xx details go; default silent */
  logger?: Logger;
}

/** A plain node:http server exposing the service as a JSON API (see README.md). */
export function createApiServer(options: ApiServerOptions): Server {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = options.logger ?? silentLogger;

  /**
   * In this order: the token (401, before anything else, so an anonymous
   * caller learns nothing, not even which paths exist), the route (404/405),
   * the owner (403: the path's user must be the token's subject), then the
   * handler, which only ever sees that user.
   */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let result: HandlerResult;
    try {
      const { subject } = await options.auth.verify(bearerToken(req.headers.authorization));
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = matchRoute(ROUTES, url.pathname);
      if (!match) throw new HttpError(404, 'ROUTE_NOT_FOUND', `No route for ${url.pathname}.`);
      authorizeOwner(subject, match.owner);
      const method = req.method ?? 'GET';
      const handler = match.route.methods[method];
      if (!handler) {
        const allowed = Object.keys(match.route.methods).join(', ');
        throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}; allowed: ${allowed}.`, { Allow: allowed });
      }
      result = await handler({ req, userId: match.owner, params: match.params, query: url.searchParams, service: options.service, maxBodyBytes });
    } catch (error) {
      const httpError = toHttpError(error);
      if (httpError.status >= 500) logger.error('request failed', { method: req.method, path: pathOf(req), status: httpError.status, error: describe(error) });
      // Refusals are security events: logged with the reason, never with the token.
      else if (httpError.status === 401 || httpError.status === 403) logger.warn('request refused', { method: req.method, path: pathOf(req), status: httpError.status, code: httpError.code, reason: (error as { reason?: unknown }).reason });
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
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause === undefined ? '' : ` (cause: ${describe(error.cause)})`;
  return `${error.name}: ${error.message}${cause}`;
}

/** The path without the query string (cursors are long and say nothing useful in a log). */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

export interface RunningServer {
  server: Server;
  /** e.g. http://127.0.0.1:43123 */
  url: string;
  port: number;
  /** stops accepting, closes idle keep-alive connections, waits for in-flight requests */
  close(): Promise<void>;
}

export interface ListenOptions {
  /** default 0: a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** must be true to listen on anything but loopback (--public) */
  public?: boolean;
}

/** Creates the server and listens; port 0 picks a free port. A non-loopback host needs `public: true` (BindRefusedError). */
export async function startApiServer(options: ApiServerOptions & ListenOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  checkBindHost(host, options.public === true);
  const server = createApiServer(options);
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
