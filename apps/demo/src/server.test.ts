import { randomUUID } from 'node:crypto';
import { createPrismaClient } from '@agentstate/db';
import { countAllRows, describeEachDatabase } from '@agentstate/db/testing';
import { silentLogger } from '@agentstate/logger';
import { createStatePersistence } from '@agentstate/state-persistence';
import { createTokenVerifier, type TokenVerifier } from './auth/verify';
import { startApiServer, type RunningServer } from './server';
import { call, caller, errorBody, postChunked, unique, type Caller } from './testing/http';
import { bearer, testAuthConfig, tokenFor } from './testing/tokens';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

interface SnapshotJson {
  id: string;
  userId: string;
  threadId: string;
  runId: string;
  parentId: string | null;
  state: unknown;
  metadata: Record<string, unknown>;
  createdAt: string;
}
interface SavedJson {
  status: 'saved';
  snapshot: SnapshotJson;
  provisioning: string | null;
}

/** A caller for `userId` on `server`, with a valid token whose subject is that user. */
async function as(server: RunningServer, userId: string): Promise<Caller> {
  return caller(server.url, bearer(await tokenFor(userId)));
}

const snapshots = (userId: string) => `/users/${encodeURIComponent(userId)}/snapshots`;

// Every request here carries a valid token for the user it touches: this file is about what the API does
// for its rightful caller; httpIsolation.test.ts is about everyone else.
describeEachDatabase('HTTP API', (db) => {
  describe('over real HTTP', () => {
    let dev: RunningServer; // development service, body limit 64 KiB
    let prod: RunningServer; // production service
    let tiny: RunningServer; // development service, maxStateBytes 1 KiB
    let defaults: RunningServer; // every default (2 MiB body limit)
    beforeAll(async () => {
      const { prisma } = db();
      const auth = await createTokenVerifier(testAuthConfig());
      const service = (environment: 'development' | 'production', extra: { maxStateBytes?: number } = {}) =>
        createStatePersistence({ prisma, environment, logger: silentLogger, ...extra });
      dev = await startApiServer({ service: service('development'), auth, maxBodyBytes: 64 * 1024 });
      prod = await startApiServer({ service: service('production'), auth });
      tiny = await startApiServer({ service: service('development', { maxStateBytes: 1024 }), auth });
      defaults = await startApiServer({ service: service('development'), auth });
    });
    afterAll(async () => {
      await Promise.all([dev, prod, tiny, defaults].map((s) => s?.close()));
    });

    async function save(api: Caller, userId: string, input: Record<string, unknown>): Promise<SnapshotJson> {
      const res = await api('POST', snapshots(userId), input);
      expect(res.status).toBe(201);
      return (res.json as SavedJson).snapshot;
    }

    it('POST /users/:userId/snapshots saves (201, Location), creating a dev user once; the body needs no userId', async () => {
      const userId = unique('dev-temp-');
      const api = await as(dev, userId);
      const first = await api('POST', snapshots(userId), { threadId: 't1', runId: 'r1', state: { messages: ['hi'], n: 1 }, metadata: { model: 'x' } });
      expect(first.status).toBe(201);
      expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = first.json as SavedJson;
      expect(body).toEqual({
        status: 'saved',
        provisioning: 'created',
        replayed: false,
        snapshot: { id: expect.stringMatching(UUID), userId, threadId: 't1', runId: 'r1', parentId: null, state: { messages: ['hi'], n: 1 }, metadata: { model: 'x' }, createdAt: expect.any(String) },
      });
      expect(Number.isNaN(Date.parse(body.snapshot.createdAt))).toBe(false);
      expect(first.headers.get('location')).toBe(`/users/${userId}/snapshots/${body.snapshot.id}`);

      // A body userId may repeat the path's.
      const second = await api('POST', snapshots(userId), { userId, threadId: 't1', runId: 'r1', state: 2, parentId: body.snapshot.id });
      expect(second.status).toBe(201);
      expect(second.json).toMatchObject({ status: 'saved', provisioning: 'already-existed', snapshot: { parentId: body.snapshot.id, state: 2 } });
      expect(await db().prisma.user.count({ where: { id: userId } })).toBe(1);
    });

    it('POST with an Idempotency-Key (or a body id) is idempotent: a retry answers 200 with the stored snapshot, other content 422', async () => {
      const userId = unique('dev-temp-');
      const api = await as(dev, userId);
      const key = randomUUID();
      const post = (body: Record<string, unknown>, headers: Record<string, string> = { 'Idempotency-Key': key }) =>
        call(dev.url, 'POST', snapshots(userId), body, { ...bearer(tokenForUser), ...headers });
      const tokenForUser = await tokenFor(userId);
      const first = await post({ threadId: 't', runId: 'r', state: { n: 1 } });
      expect(first).toMatchObject({ status: 201, json: { replayed: false, provisioning: 'created', snapshot: { id: key } } });
      const before = await countAllRows(db().prisma);
      const again = await post({ threadId: 't', runId: 'r', state: { n: 1 } });
      expect(again).toMatchObject({ status: 200, json: { replayed: true, provisioning: null, snapshot: { id: key, state: { n: 1 } } } });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect((again.json as SavedJson).snapshot.createdAt).toBe((first.json as SavedJson).snapshot.createdAt);
      // the same id in the body instead of the header
      expect(await post({ id: key, threadId: 't', runId: 'r', state: { n: 1 } }, {})).toMatchObject({ status: 200, json: { replayed: true } });
      expect(await post({ threadId: 't', runId: 'r', state: { n: 2 } })).toMatchObject({ status: 422, json: errorBody('IDEMPOTENCY_CONFLICT') });
      expect(await post({ id: randomUUID(), threadId: 't', runId: 'r', state: { n: 1 } })).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT') });
      expect(await post({ threadId: 't', runId: 'r', state: {} }, { 'Idempotency-Key': 'not-a-uuid' })).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT') });
      expect(await countAllRows(db().prisma)).toEqual(before);
      expect(await api('GET', `/users/${userId}/threads/t/latest`)).toMatchObject({ status: 200, json: { id: key } });
    });

    it('POST for an ephemeral run_ answers 200 skipped and writes nothing', async () => {
      const before = await countAllRows(db().prisma);
      const userId = unique('dev-temp-');
      const res = await (await as(dev, userId))('POST', snapshots(userId), { threadId: 't', runId: 'run_scratch', state: {} });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ status: 'skipped', code: 'EPHEMERAL_RUN', reason: expect.stringContaining('ephemeral') });
      expect(await countAllRows(db().prisma)).toEqual(before);
    });

    it('GET latest, GET by id: 200 with the snapshot; 404 with the JSON error body when there is none', async () => {
      const userId = unique('dev-temp-');
      const api = await as(dev, userId);
      const a = await save(api, userId, { threadId: 'th', runId: 'r', state: { v: 'a' } });
      const b = await save(api, userId, { threadId: 'th', runId: 'r', state: { v: 'b' } });

      const latest = await api('GET', `/users/${userId}/threads/th/latest`);
      expect(latest).toMatchObject({ status: 200, json: b });
      expect(await api('GET', `${snapshots(userId)}/${a.id}`)).toMatchObject({ status: 200, json: a });

      const noThread = await api('GET', `/users/${userId}/threads/other/latest`);
      expect(noThread.status).toBe(404);
      expect(noThread.json).toEqual(errorBody('SNAPSHOT_NOT_FOUND', `Thread "other" of user "${userId}" has no snapshots.`));
      const noSnapshot = await api('GET', `${snapshots(userId)}/${MISSING_ID}`);
      expect(noSnapshot.status).toBe(404);
      expect(noSnapshot.json).toEqual(errorBody('SNAPSHOT_NOT_FOUND', `Snapshot "${MISSING_ID}" does not exist.`));
      expect(await api('GET', `${snapshots(userId)}/${MISSING_ID}/lineage`)).toMatchObject({ status: 404, json: errorBody('SNAPSHOT_NOT_FOUND') });
      expect(await api('GET', `${snapshots(userId)}/not-a-uuid`)).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT') });
    });

    it('GET /users/:userId/snapshots pages through every snapshot exactly once, newest first', async () => {
      const userId = unique('dev-temp-');
      const api = await as(dev, userId);
      const saved: string[] = [];
      for (let i = 0; i < 5; i++) saved.push((await save(api, userId, { threadId: 'paged', runId: 'r', state: { i } })).id);
      await save(api, userId, { threadId: 'elsewhere', runId: 'r', state: {} });

      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?threadId=paged&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await api('GET', `${snapshots(userId)}${query}`);
        expect(res.status).toBe(200);
        const page = res.json as { items: SnapshotJson[]; nextCursor: string | null };
        expect(Object.keys(page).sort()).toEqual(['items', 'nextCursor']);
        pages.push(page.items.map((s) => s.id));
        cursor = page.nextCursor;
      } while (cursor !== null && pages.length < 10);
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual([...saved].reverse());

      const all = await api('GET', snapshots(userId));
      expect((all.json as { items: unknown[]; nextCursor: null }).items).toHaveLength(6);
      expect(await api('GET', `${snapshots(userId)}?runId=nope`)).toEqual(expect.objectContaining({ status: 200, json: { items: [], nextCursor: null } }));
    });

    it('listing rejects a bad cursor, limit or query parameter with 400', async () => {
      const userId = unique('dev-temp-');
      const api = await as(dev, userId);
      const base = snapshots(userId);
      expect(await api('GET', `${base}?cursor=garbage`)).toMatchObject({ status: 400, json: errorBody('INVALID_CURSOR') });
      expect(await api('GET', `${base}?limit=abc`)).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT', 'Invalid limit: expected a positive integer, got "abc".') });
      expect(await api('GET', `${base}?limit=0`)).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT') });
      expect(await api('GET', `${base}?limit=501`)).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT') });
      expect(await api('GET', `${base}?thread=x`)).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT', expect.stringContaining('Unknown query parameter "thread"')) });
      expect(await api('GET', `${base}?limit=1&limit=2`)).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT') });
    });

    it('GET /users/:userId/snapshots/:id/lineage returns the chain up to the root', async () => {
      const userId = unique('dev-temp-');
      const api = await as(dev, userId);
      const a = await save(api, userId, { threadId: 'l', runId: 'r', state: 1, expectedParentId: null });
      const b = await save(api, userId, { threadId: 'l', runId: 'r', state: 2, expectedParentId: a.id });
      const c = await save(api, userId, { threadId: 'l', runId: 'r', state: 3, expectedParentId: b.id });
      const res = await api('GET', `${snapshots(userId)}/${c.id}/lineage`);
      expect(res.status).toBe(200);
      expect((res.json as SnapshotJson[]).map((s) => [s.id, s.parentId, s.state])).toEqual([
        [c.id, b.id, 3],
        [b.id, a.id, 2],
        [a.id, null, 1],
      ]);
      const limited = await api('GET', `${snapshots(userId)}/${c.id}/lineage?limit=2`);
      expect((limited.json as SnapshotJson[]).map((s) => s.id)).toEqual([c.id, b.id]);
    });

    it('409 CONCURRENT_WRITE when expectedParentId is stale, and for the loser of two simultaneous writers', async () => {
      const userId = unique('dev-temp-');
      const api = await as(dev, userId);
      const a = await save(api, userId, { threadId: 'race', runId: 'r', state: 'a', expectedParentId: null });
      const stale = await api('POST', snapshots(userId), { threadId: 'race', runId: 'r', state: 'x', expectedParentId: null });
      expect(stale.status).toBe(409);
      expect(stale.json).toEqual(errorBody('CONCURRENT_WRITE', expect.stringContaining(`found ${a.id}`)));

      const [one, two] = await Promise.all(['b1', 'b2'].map((state) => api('POST', snapshots(userId), { threadId: 'race', runId: 'r', state, expectedParentId: a.id })));
      expect([one?.status, two?.status].sort()).toEqual([201, 409]);
      const winner = [one, two].find((r) => r?.status === 201)?.json as SavedJson;
      const latest = await api('GET', `/users/${userId}/threads/race/latest`);
      expect((latest.json as SnapshotJson).id).toBe(winner.snapshot.id);
      expect(await db().prisma.agentStateSnapshot.count({ where: { userId, threadId: 'race' } })).toBe(2);
    });

    it('400 for malformed JSON, a non-object body, a missing state, bad ids, unknown keys and unstorable strings; nothing written', async () => {
      const before = await countAllRows(db().prisma);
      const userId = unique('dev-temp-');
      const api = await as(dev, userId);
      const path = snapshots(userId);
      const malformed = await api('POST', path, '{"threadId": ');
      expect(malformed.status).toBe(400);
      expect(malformed.json).toEqual(errorBody('MALFORMED_JSON', expect.stringMatching(/^Request body is not valid JSON/)));
      expect(await api('POST', path, '')).toMatchObject({ status: 400, json: errorBody('MALFORMED_JSON', 'Request body is empty; send a JSON object.') });
      expect(await api('POST', path, [1, 2])).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT', 'Invalid body: expected a JSON object.') });
      expect(await api('POST', path, { threadId: 't', runId: 'r' })).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT', 'Invalid state: the body must have a "state" (any JSON value).') });
      expect(await api('POST', path, { threadId: 'has space', runId: 'r', state: {} })).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT') });
      expect(await api('POST', path, { threadId: 't', runId: 'r', state: {}, extra: 1 })).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT') });
      const nul = await api('POST', path, { threadId: 't', runId: 'r', state: { text: 'a\u0000b' } });
      expect(nul.status).toBe(400);
      expect(nul.json).toEqual(errorBody('STATE_NOT_SERIALIZABLE', expect.stringContaining('state.text')));
      // A token whose subject is not a valid user id: its own path, refused by the service's id rules.
      const odd = 'has space';
      expect(await (await as(dev, odd))('POST', snapshots(odd), { threadId: 't', runId: 'r', state: {} })).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT') });
      expect(await countAllRows(db().prisma)).toEqual(before);
    });

    it('413 STATE_TOO_LARGE from the service (small maxStateBytes), nothing written', async () => {
      const userId = unique('dev-temp-');
      const api = await as(tiny, userId);
      const res = await api('POST', snapshots(userId), { threadId: 't', runId: 'r', state: { blob: 'x'.repeat(2000) } });
      expect(res.status).toBe(413);
      expect(res.json).toEqual(errorBody('STATE_TOO_LARGE', expect.stringContaining('over the limit of 1024 bytes')));
      expect(await db().prisma.user.count({ where: { id: userId } })).toBe(0);
      expect(await api('POST', snapshots(userId), { threadId: 't', runId: 'r', state: { blob: 'x'.repeat(500) } })).toMatchObject({ status: 201 });
    });

    it('413 PAYLOAD_TOO_LARGE for a body over the limit, declared or chunked, before parsing', async () => {
      const before = await countAllRows(db().prisma);
      const userId = unique('dev-temp-');
      const headers = bearer(await tokenFor(userId));
      const body = JSON.stringify({ threadId: 't', runId: 'r', state: 'y'.repeat(70 * 1024) });
      const declared = await call(dev.url, 'POST', snapshots(userId), body, headers);
      expect(declared.status).toBe(413);
      expect(declared.json).toEqual(errorBody('PAYLOAD_TOO_LARGE', 'Request body is over the limit of 65536 bytes.'));
      // No Content-Length: counted while reading (not valid JSON either, proving it is never parsed).
      expect(await postChunked(dev.url, snapshots(userId), 80, 1024, headers)).toEqual({ status: 413, json: errorBody('PAYLOAD_TOO_LARGE') });
      // The default limit is 2 MiB.
      const huge = await call(defaults.url, 'POST', snapshots(userId), 'z'.repeat(2 * 1024 * 1024 + 1), headers);
      expect(huge).toMatchObject({ status: 413, json: errorBody('PAYLOAD_TOO_LARGE', 'Request body is over the limit of 2097152 bytes.') });
      expect(await countAllRows(db().prisma)).toEqual(before);
      // and the server is still fine afterwards
      expect(await call(dev.url, 'GET', `${snapshots(userId)}/${MISSING_ID}`, undefined, headers)).toMatchObject({ status: 404 });
    });

    it('403 PROVISIONING_REFUSED for a dev-temp- subject in production: nothing written but the refusal audit row', async () => {
      const userId = unique('dev-temp-');
      const before = await countAllRows(db().prisma);
      const res = await (await as(prod, userId))('POST', snapshots(userId), { threadId: 't', runId: 'r', state: {} });
      expect(res.status).toBe(403);
      expect(res.json).toEqual(errorBody('PROVISIONING_REFUSED', expect.stringContaining(`Refused to save a snapshot for user "${userId}"`)));
      const audit = await db().prisma.userProvisioningAudit.findMany({ where: { subjectId: userId } });
      expect(audit.map((r) => [r.outcome, r.reasonCode, r.environment])).toEqual([['refused', 'DEV_ID_IN_PRODUCTION', 'production']]);
      expect(await countAllRows(db().prisma)).toEqual({ ...before, user_provisioning_audit: (before.user_provisioning_audit ?? 0) + 1 });
    });

    it('404 UNKNOWN_USER for a missing user in production; an existing one saves', async () => {
      const missing = unique('acct_');
      const res = await (await as(prod, missing))('POST', snapshots(missing), { threadId: 't', runId: 'r', state: {} });
      expect(res.status).toBe(404);
      expect(res.json).toEqual(errorBody('UNKNOWN_USER', expect.stringContaining(`User "${missing}" does not exist`)));

      const existing = unique('acct_');
      await db().prisma.user.create({ data: { id: existing, email: `${existing}@company.example` } });
      expect(await (await as(prod, existing))('POST', snapshots(existing), { threadId: 't', runId: 'r', state: {} })).toMatchObject({ status: 201, json: { provisioning: null } });
    });

    it('DELETE /users/:userId deletes the user and their snapshots; the audit trail stays (403 for ?auditTrail=delete)', async () => {
      const userId = unique('dev-temp-');
      const api = await as(dev, userId);
      for (const thread of ['a', 'b', 'b']) await save(api, userId, { threadId: thread, runId: 'r', state: {} });
      const res = await api('DELETE', `/users/${userId}`);
      expect(res).toMatchObject({ status: 200, json: { deletedUsers: 1, deletedSnapshots: 3, deletedAuditRows: 0 } });
      expect(Object.keys(res.json as object).sort()).toEqual(['deletedAuditRows', 'deletedSnapshots', 'deletedUsers']);
      expect(await api('GET', `/users/${userId}/threads/a/latest`)).toMatchObject({ status: 404 });
      const auditRows = await db().prisma.userProvisioningAudit.count({ where: { subjectId: userId } });
      expect(auditRows).toBeGreaterThan(0);

      expect(await api('DELETE', `/users/${userId}?auditTrail=keep`)).toMatchObject({ status: 200, json: { deletedUsers: 0, deletedSnapshots: 0, deletedAuditRows: 0 } });
      expect(await api('DELETE', `/users/${userId}?auditTrail=delete`)).toMatchObject({ status: 403, json: errorBody('FORBIDDEN', expect.stringContaining('audit trail cannot be deleted over HTTP')) });
      expect(await api('DELETE', `/users/${userId}?auditTrail=maybe`)).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT') });
      expect(await db().prisma.userProvisioningAudit.count({ where: { subjectId: userId } })).toBe(auditRows);
    });

    it('404 ROUTE_NOT_FOUND for unknown routes, 405 METHOD_NOT_ALLOWED (with Allow) for wrong methods', async () => {
      const userId = unique('dev-temp-');
      const api = await as(dev, userId);
      expect(await api('GET', '/nope')).toMatchObject({ status: 404, json: errorBody('ROUTE_NOT_FOUND', 'No route for /nope.') });
      expect(await api('POST', '/snapshots', { userId, threadId: 't', runId: 'r', state: {} })).toMatchObject({ status: 404, json: errorBody('ROUTE_NOT_FOUND') });
      expect(await api('GET', `/users/${userId}/threads/y`)).toMatchObject({ status: 404, json: errorBody('ROUTE_NOT_FOUND') });
      const wrong = await api('PUT', snapshots(userId));
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('GET, POST');
      expect(wrong.json).toEqual(errorBody('METHOD_NOT_ALLOWED', `PUT is not allowed on /users/${userId}/snapshots; allowed: GET, POST.`));
      expect(await api('PUT', `${snapshots(userId)}/${MISSING_ID}`)).toMatchObject({ status: 405, json: errorBody('METHOD_NOT_ALLOWED') });
      expect(await api('GET', '/users/%E0%A4%A/snapshots')).toMatchObject({ status: 400, json: errorBody('INVALID_INPUT') });
      // Percent-encoding is decoded before the owner check: the same user, however it is spelled.
      expect(await api('GET', `/users/${encodeURIComponent(userId).replace('d', '%64')}/snapshots`)).toMatchObject({ status: 200 });
    });

    it('serves Date, BigInt, Map and Set states as plain JSON', async () => {
      const userId = unique('dev-temp-');
      const service = createStatePersistence({ prisma: db().prisma, environment: 'development', logger: silentLogger });
      const at = new Date('2026-01-02T03:04:05.678Z');
      const saved = await service.saveSnapshot({
        userId, threadId: 't', runId: 'r',
        state: { at, big: 12345678901234567890n, tags: new Set(['a', 'b']), byName: new Map([['k', 1]]), byNumber: new Map([[1, 'one']]), gone: undefined },
      });
      if (saved.status !== 'saved') throw new Error('not saved');
      const res = await (await as(dev, userId))('GET', `${snapshots(userId)}/${saved.snapshot.id}`);
      expect((res.json as SnapshotJson).state).toEqual({ at: '2026-01-02T03:04:05.678Z', big: '12345678901234567890', tags: ['a', 'b'], byName: { k: 1 }, byNumber: [[1, 'one']] });
    });
  });
});

describe('HTTP API with the database down', () => {
  let auth: TokenVerifier;
  beforeAll(async () => {
    auth = await createTokenVerifier(testAuthConfig());
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After, without leaking connection details', async () => {
    // Nothing listens on port 1: every query fails to connect.
    const unreachable = await createPrismaClient({ config: { provider: 'postgresql', url: 'postgresql://postgres@127.0.0.1:1/none' } });
    const server = await startApiServer({ service: createStatePersistence({ prisma: unreachable.prisma, environment: 'development', logger: silentLogger }), auth });
    try {
      const api = await as(server, 'dev-temp-x');
      const res = await api('POST', snapshots('dev-temp-x'), { threadId: 't', runId: 'r', state: {} });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.json).toEqual(errorBody('DATABASE_UNAVAILABLE', 'The database is unavailable; the operation was not applied. Retry later.'));
      expect(await api('GET', `${snapshots('dev-temp-x')}/${MISSING_ID}`)).toMatchObject({ status: 503, json: errorBody('DATABASE_UNAVAILABLE') });
      // Authentication comes first and needs no database.
      expect(await call(server.url, 'GET', snapshots('dev-temp-x'))).toMatchObject({ status: 401, json: errorBody('UNAUTHENTICATED') });
    } finally {
      await server.close();
      await unreachable.close();
    }
  });
});
