import type { IncomingMessage } from 'node:http';
import type { SaveSnapshotInput, StatePersistence } from '@agentstate/state-persistence';
import { readJsonBody } from './body';
import { HttpError } from './httpErrors';
import { integerParam, readQuery } from './query';

export interface RequestContext {
  req: IncomingMessage;
  /** decoded path parameters, by the names in the route pattern */
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

export interface Route {
  /** path segments; `:name` captures one segment */
  pattern: readonly string[];
  methods: Readonly<Partial<Record<string, Handler>>>;
}

function param(ctx: RequestContext, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new Error(`route declares no :${name}`);
  return value;
}

const ok = (body: unknown): HandlerResult => ({ status: 200, body });

async function saveSnapshot(ctx: RequestContext): Promise<HandlerResult> {
  readQuery(ctx.query, []);
  const body = await readJsonBody(ctx.req, ctx.maxBodyBytes);
  // JSON has no `undefined`: a missing state is a client mistake, not a state to store.
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && !Object.hasOwn(body, 'state')) {
    throw new HttpError(400, 'INVALID_INPUT', 'Invalid state: the body must have a "state" (any JSON value).');
  }
  // Everything else (types, unknown keys, ids) is validated by the service.
  const result = await ctx.service.saveSnapshot(body as SaveSnapshotInput);
  if (result.status === 'skipped') return ok(result);
  return {
    status: 201,
    body: { status: 'saved', snapshot: result.snapshot, provisioning: result.provisioning },
    headers: { Location: `/users/${encodeURIComponent(result.snapshot.userId)}/snapshots/${encodeURIComponent(result.snapshot.id)}` },
  };
}

async function getLatest(ctx: RequestContext): Promise<HandlerResult> {
  readQuery(ctx.query, []);
  const userId = param(ctx, 'userId');
  const threadId = param(ctx, 'threadId');
  const latest = await ctx.service.getLatest({ userId, threadId });
  if (!latest) throw new HttpError(404, 'SNAPSHOT_NOT_FOUND', `Thread "${threadId}" of user "${userId}" has no snapshots.`);
  return ok(latest);
}

async function listSnapshots(ctx: RequestContext): Promise<HandlerResult> {
  const { threadId, runId, limit, cursor } = readQuery(ctx.query, ['threadId', 'runId', 'limit', 'cursor']);
  const page = await ctx.service.listSnapshots({
    userId: param(ctx, 'userId'),
    ...(threadId !== undefined ? { threadId } : {}),
    ...(runId !== undefined ? { runId } : {}),
    ...(limit !== undefined ? { limit: integerParam('limit', limit) } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
  });
  return ok(page);
}

async function getSnapshot(ctx: RequestContext): Promise<HandlerResult> {
  readQuery(ctx.query, []);
  return ok(await ctx.service.getSnapshot({ userId: param(ctx, 'userId'), id: param(ctx, 'id') }));
}

async function getLineage(ctx: RequestContext): Promise<HandlerResult> {
  const { limit } = readQuery(ctx.query, ['limit']);
  return ok(await ctx.service.getLineage({ userId: param(ctx, 'userId'), id: param(ctx, 'id'), ...(limit !== undefined ? { limit: integerParam('limit', limit) } : {}) }));
}

async function deleteUser(ctx: RequestContext): Promise<HandlerResult> {
  const { auditTrail } = readQuery(ctx.query, ['auditTrail']);
  if (auditTrail !== undefined && auditTrail !== 'keep' && auditTrail !== 'delete') {
    throw new HttpError(400, 'INVALID_INPUT', `Invalid auditTrail: expected "keep" or "delete", got "${auditTrail}".`);
  }
  return ok(await ctx.service.deleteUserData(param(ctx, 'userId'), auditTrail !== undefined ? { auditTrail } : {}));
}

export const ROUTES: readonly Route[] = [
  { pattern: ['snapshots'], methods: { POST: saveSnapshot } },
  { pattern: ['users', ':userId', 'snapshots', ':id'], methods: { GET: getSnapshot } },
  { pattern: ['users', ':userId', 'snapshots', ':id', 'lineage'], methods: { GET: getLineage } },
  { pattern: ['users', ':userId'], methods: { DELETE: deleteUser } },
  { pattern: ['users', ':userId', 'snapshots'], methods: { GET: listSnapshots } },
  { pattern: ['users', ':userId', 'threads', ':threadId', 'latest'], methods: { GET: getLatest } },
];

/** The route whose pattern matches the path, with its decoded parameters; null when none does. */
export function matchRoute(routes: readonly Route[], pathname: string): { route: Route; params: Record<string, string> } | null {
  // Empty segments are ignored, so a trailing slash does not matter.
  const segments = pathname.split('/').filter((segment) => segment !== '');
  for (const route of routes) {
    if (route.pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = route.pattern.every((part, index) => {
      const segment = segments[index] ?? '';
      if (part.startsWith(':')) {
        params[part.slice(1)] = decodeSegment(segment);
        return true;
      }
      return part === segment;
    });
    if (matches) return { route, params };
  }
  return null;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'INVALID_INPUT', `Path segment "${segment}" is not valid percent-encoding.`);
  }
}
