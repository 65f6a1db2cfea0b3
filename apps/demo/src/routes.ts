import type { IncomingMessage } from 'node:http';
import type { SaveSnapshotInput, StatePersistence } from '@agentstate/state-persistence';
import { ForbiddenError } from './auth/errors';
import { readJsonBody } from './body';
import { HttpError } from './httpErrors';
import { integerParam, readQuery } from './query';

export interface RequestContext {
  req: IncomingMessage;
  /** the user of the path, already checked to be the token's subject: the only user a handler may touch */
  userId: string;
  /** decoded path parameters below /users/:userId, by the names in the route pattern */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  service: StatePersistence;
  maxBodyBytes: number;
}

export interface HandlerResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Handler = (ctx: RequestContext) => Promise<HandlerResult>;

/**
 * A route below `/users/:userId`. Every route lives there: the router
 * checks that user against the token before any handler runs, so a route
 * cannot be added without the ownership check.
 */
export interface Route {
  /** path segments after /users/:userId; `:name` captures one segment */
  pattern: readonly string[];
  methods: Readonly<Partial<Record<string, Handler>>>;
}

export const OWNER_PREFIX = 'users';

function param(ctx: RequestContext, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new Error(`route declares no :${name}`);
  return value;
}

const ok = (body: unknown): HandlerResult => ({ status: 200, body });

export const snapshotLocation = (userId: string, id: string) => `/${OWNER_PREFIX}/${encodeURIComponent(userId)}/snapshots/${encodeURIComponent(id)}`;

async function saveSnapshot(ctx: RequestContext): Promise<HandlerResult> {
  readQuery(ctx.query, []);
  const body = await readJsonBody(ctx.req, ctx.maxBodyBytes);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'INVALID_INPUT', 'Invalid body: expected a JSON object.');
  // The user is the path's (= the token's). A body userId may repeat it, never name someone else.
  if (Object.hasOwn(body, 'userId') && (body as { userId?: unknown }).userId !== ctx.userId) {
    throw new ForbiddenError('The body\'s userId must be the token\'s subject; leave it out to save for the user in the path.');
  }
  // JSON has no `undefined`: a missing state is a client mistake, not a state to store.
  if (!Object.hasOwn(body, 'state')) throw new HttpError(400, 'INVALID_INPUT', 'Invalid state: the body must have a "state" (any JSON value).');
  const id = idempotencyKey(ctx.req, body as { id?: unknown });
  // Everything else (types, unknown keys, ids) is validated by the service.
  const result = await ctx.service.saveSnapshot({ ...(body as Omit<SaveSnapshotInput, 'userId'>), ...(id !== undefined ? { id } : {}), userId: ctx.userId });
  if (result.status === 'skipped') return ok(result);
  const location = { Location: snapshotLocation(result.snapshot.userId, result.snapshot.id) };
  // A replay answers what the first request stored (200, not 201: nothing was created by this one).
  if (result.replayed) return { status: 200, body: { status: 'saved', snapshot: result.snapshot, provisioning: null, replayed: true }, headers: { ...location, 'Idempotent-Replayed': 'true' } };
  return { status: 201, body: { status: 'saved', snapshot: result.snapshot, provisioning: result.provisioning, replayed: false }, headers: location };
}

/**
 * The save's id, from the Idempotency-Key header or the body's "id" (a UUID
 * the client generates per new save, e.g. crypto.randomUUID()). The service
 * checks its form; the two, when both given, must agree.
 */
function idempotencyKey(req: IncomingMessage, body: { id?: unknown }): string | undefined {
  const header = req.headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw new HttpError(400, 'INVALID_INPUT', 'Invalid Idempotency-Key: give it once.');
  if (Object.hasOwn(body, 'id') && body.id !== header) throw new HttpError(400, 'INVALID_INPUT', 'Invalid Idempotency-Key: it differs from the body\'s "id" (give one, or the same in both).');
  return header;
}

async function getLatest(ctx: RequestContext): Promise<HandlerResult> {
  readQuery(ctx.query, []);
  const threadId = param(ctx, 'threadId');
  const latest = await ctx.service.getLatest({ userId: ctx.userId, threadId });
  if (!latest) throw new HttpError(404, 'SNAPSHOT_NOT_FOUND', `Thread "${threadId}" of user "${ctx.userId}" has no snapshots.`);
  return ok(latest);
}

async function listSnapshots(ctx: RequestContext): Promise<HandlerResult> {
  const { threadId, runId, limit, cursor } = readQuery(ctx.query, ['threadId', 'runId', 'limit', 'cursor']);
  const page = await ctx.service.listSnapshots({
    userId: ctx.userId,
    ...(threadId !== undefined ? { threadId } : {}),
    ...(runId !== undefined ? { runId } : {}),
    ...(limit !== undefined ? { limit: integerParam('limit', limit) } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
  });
  return ok(page);
}

async function getSnapshot(ctx: RequestContext): Promise<HandlerResult> {
  readQuery(ctx.query, []);
  // Another user's snapshot id is SNAPSHOT_NOT_FOUND, exactly like a missing one (the service reads by owner and id).
  return ok(await ctx.service.getSnapshot({ userId: ctx.userId, id: param(ctx, 'id') }));
}

async function getLineage(ctx: RequestContext): Promise<HandlerResult> {
  const { limit } = readQuery(ctx.query, ['limit']);
  return ok(await ctx.service.getLineage({ userId: ctx.userId, id: param(ctx, 'id'), ...(limit !== undefined ? { limit: integerParam('limit', limit) } : {}) }));
}

async function deleteUser(ctx: RequestContext): Promise<HandlerResult> {
  const { auditTrail } = readQuery(ctx.query, ['auditTrail']);
  if (auditTrail !== undefined && auditTrail !== 'keep' && auditTrail !== 'delete') {
    throw new HttpError(400, 'INVALID_INPUT', `Invalid auditTrail: expected "keep", got "${auditTrail}".`);
  }
  // The audit trail is the operator's record of provisioning decisions (refusals included): a user's
  // token must not erase it. Erasing it is deleteUserData(userId, { auditTrail: 'delete' }) in code.
  if (auditTrail === 'delete') throw new ForbiddenError('The audit trail cannot be deleted over HTTP; an operator erases it with deleteUserData(userId, { auditTrail: "delete" }).');
  return ok(await ctx.service.deleteUserData(ctx.userId));
}

/** Every route, below /users/:userId (see README.md). */
export const ROUTES: readonly Route[] = [
  { pattern: [], methods: { DELETE: deleteUser } },
  { pattern: ['snapshots'], methods: { GET: listSnapshots, POST: saveSnapshot } },
  { pattern: ['snapshots', ':id'], methods: { GET: getSnapshot } },
  { pattern: ['snapshots', ':id', 'lineage'], methods: { GET: getLineage } },
  { pattern: ['threads', ':threadId', 'latest'], methods: { GET: getLatest } },
];

export interface RouteMatch {
  route: Route;
  /** the decoded :userId of the path */
  owner: string;
  params: Record<string, string>;
}

/** The route whose pattern matches `/users/:userId/...`, with its decoded parameters; null when none does. */
export function matchRoute(routes: readonly Route[], pathname: string): RouteMatch | null {
  // Empty segments are ignored, so a trailing slash does not matter.
  const segments = pathname.split('/').filter((segment) => segment !== '');
  const [prefix, ownerSegment, ...rest] = segments;
  if (prefix !== OWNER_PREFIX || ownerSegment === undefined) return null;
  for (const route of routes) {
    if (route.pattern.length !== rest.length) continue;
    const params: Record<string, string> = {};
    const matches = route.pattern.every((part, index) => {
      const segment = rest[index] ?? '';
      if (part.startsWith(':')) {
        params[part.slice(1)] = decodeSegment(segment);
        return true;
      }
      return part === segment;
    });
    if (matches) return { route, owner: decodeSegment(ownerSegment), params };
  }
  return null;
}

/**
 * The ownership rule, in one place: a token touches its subject's data only.
 * The message names no id (it would echo another user's id back).
 */
export function authorizeOwner(subject: string, owner: string): void {
  if (subject !== owner) throw new ForbiddenError('This token may only access its own user (the path\'s user must be the token\'s subject).');
}

/** Lists the routes for the start-up banner and the docs, e.g. `GET /users/:userId/snapshots/:id`. */
export function describeRoutes(routes: readonly Route[]): string[] {
  return routes.flatMap((route) => Object.keys(route.methods).map((method) => `${method} /${[OWNER_PREFIX, ':userId', ...route.pattern].join('/')}`));
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'INVALID_INPUT', `Path segment "${segment}" is not valid percent-encoding.`);
  }
}
