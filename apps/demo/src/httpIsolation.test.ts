import { countAllRows, describeEachDatabase } from '@agentstate/db/testing';
import { silentLogger } from '@agentstate/logger';
import { createStatePersistence } from '@agentstate/state-persistence';
import { createTokenVerifier } from './auth/verify';
import { describeRoutes, ROUTES } from './routes';
import { startApiServer, type RunningServer } from './server';
import { call, unique, type RawResponse } from './testing/http';
import { algNoneToken, bearer, expiredToken, testAuthConfig, tokenFor, wrongKeyToken } from './testing/tokens';

// Every route, attacked by every kind of bad credential and by another user's valid token, on every
// database: each attempt must be refused, show nothing of the victim's, and change no row. The service
// runs in development (users auto-created): the most permissive setting, where a missed check would write.

interface Victim {
  userId: string;
  threadId: string;
  runId: string;
  /** oldest first */
  snapshotIds: string[];
  stateMarker: string;
  metadataMarker: string;
}

interface Request {
  method: string;
  path: string;
  body?: unknown;
}

/** One request per route, aimed at the victim's data. Keyed like describeRoutes(ROUTES), so a new route without an attack fails. */
const ROUTE_TARGETS: Readonly<Record<string, (v: Victim) => Request>> = {
  // Reads first, deletion last: if a check were missing, the reads would still find the data to leak.
  'GET /users/:userId/snapshots': (v) => ({ method: 'GET', path: `/users/${v.userId}/snapshots?threadId=${v.threadId}` }),
  'GET /users/:userId/snapshots/:id': (v) => ({ method: 'GET', path: `/users/${v.userId}/snapshots/${v.snapshotIds[0]}` }),
  'GET /users/:userId/snapshots/:id/lineage': (v) => ({ method: 'GET', path: `/users/${v.userId}/snapshots/${v.snapshotIds.at(-1)}/lineage` }),
  'GET /users/:userId/threads/:threadId/latest': (v) => ({ method: 'GET', path: `/users/${v.userId}/threads/${v.threadId}/latest` }),
  'POST /users/:userId/snapshots': (v) => ({ method: 'POST', path: `/users/${v.userId}/snapshots`, body: { threadId: v.threadId, runId: v.runId, state: { injected: true }, expectedParentId: v.snapshotIds.at(-1) } }),
  'DELETE /users/:userId': (v) => ({ method: 'DELETE', path: `/users/${v.userId}` }),
};

type Credentials = (victim: Victim, attackerId: string) => Promise<Record<string, string>> | Record<string, string>;

/** The bad credentials; every forged token names the victim as its subject, so only verification stands in the way. */
const CREDENTIAL_ATTACKS: ReadonlyArray<{ kind: string; credentials: Credentials; status: number; code: string }> = [
  { kind: 'no token', credentials: () => ({}), status: 401, code: 'UNAUTHENTICATED' },
  { kind: 'malformed header', credentials: (v) => ({ Authorization: `Basic ${Buffer.from(`${v.userId}:password`).toString('base64')}` }), status: 401, code: 'INVALID_TOKEN' },
  { kind: 'expired token', credentials: async (v) => bearer(await expiredToken(v.userId)), status: 401, code: 'INVALID_TOKEN' },
  { kind: 'token signed with another key', credentials: async (v) => bearer(await wrongKeyToken(v.userId)), status: 401, code: 'INVALID_TOKEN' },
  { kind: 'alg none token', credentials: (v) => bearer(algNoneToken(v.userId)), status: 401, code: 'INVALID_TOKEN' },
  { kind: "another user's valid token", credentials: async (_v, attackerId) => bearer(await tokenFor(attackerId)), status: 403, code: 'FORBIDDEN' },
];

/** With the attacker's own valid token, on the attacker's own paths, naming the victim's ids. */
const CROSS_USER_ATTEMPTS: ReadonlyArray<{ name: string; request: (v: Victim, attackerId: string) => Request; status: number; code?: string }> = [
  { name: "victim's snapshot id", request: (v, a) => ({ method: 'GET', path: `/users/${a}/snapshots/${v.snapshotIds[0]}` }), status: 404, code: 'SNAPSHOT_NOT_FOUND' },
  { name: "victim's snapshot id, lineage", request: (v, a) => ({ method: 'GET', path: `/users/${a}/snapshots/${v.snapshotIds.at(-1)}/lineage` }), status: 404, code: 'SNAPSHOT_NOT_FOUND' },
  { name: "victim's thread id, latest", request: (v, a) => ({ method: 'GET', path: `/users/${a}/threads/${v.threadId}/latest` }), status: 404, code: 'SNAPSHOT_NOT_FOUND' },
  { name: "victim's thread and run ids, listing", request: (v, a) => ({ method: 'GET', path: `/users/${a}/snapshots?threadId=${v.threadId}&runId=${v.runId}` }), status: 200 },
  { name: "victim's userId in the body", request: (v, a) => ({ method: 'POST', path: `/users/${a}/snapshots`, body: { userId: v.userId, threadId: v.threadId, runId: v.runId, state: {} } }), status: 403, code: 'FORBIDDEN' },
  { name: "victim's snapshot as parentId", request: (v, a) => ({ method: 'POST', path: `/users/${a}/snapshots`, body: { threadId: v.threadId, runId: v.runId, state: {}, parentId: v.snapshotIds.at(-1) } }), status: 404, code: 'SNAPSHOT_NOT_FOUND' },
  { name: "victim's snapshot as expectedParentId", request: (v, a) => ({ method: 'POST', path: `/users/${a}/snapshots`, body: { threadId: v.threadId, runId: v.runId, state: {}, expectedParentId: v.snapshotIds.at(-1) } }), status: 409, code: 'CONCURRENT_WRITE' },
];

interface Tally {
  databases: string[];
  attempts: number;
  refused: number;
  emptyAnswers: number;
  byStatus: Record<number, number>;
  leaks: string[];
  /** attempts after which a table's row count differed, and by how many rows in all */
  rowChanges: string[];
  rowsChanged: number;
}
const tally: Tally = { databases: [], attempts: 0, refused: 0, emptyAnswers: 0, byStatus: {}, leaks: [], rowChanges: [], rowsChanged: 0 };

/** The victim's identifiers and state in a response, apart from those the request itself sent (a 404 may echo the id it was asked for). */
function leakedMarkers(victim: Victim, request: Request, res: RawResponse): string[] {
  const markers = [victim.userId, victim.threadId, victim.runId, ...victim.snapshotIds, victim.stateMarker, victim.metadataMarker];
  const sent = `${request.path} ${JSON.stringify(request.body ?? null)}`;
  // 401 and 403 answers echo nothing at all, not even what was sent.
  const echoAllowed = res.status === 401 || res.status === 403 ? [] : markers.filter((m) => sent.includes(m));
  const received = `${res.text}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
  return markers.filter((m) => !echoAllowed.includes(m) && received.includes(m));
}

afterAll(() => {
  if (tally.attempts === 0) return;
  const refusals = Object.entries(tally.byStatus).filter(([status]) => Number(status) >= 400).map(([status, n]) => `${status}: ${n}`).join(', ');
  const other = tally.attempts - tally.refused - tally.emptyAnswers;
  // One line to quote; the figures are counted, not assumed.
  process.stdout.write(
    `http-isolation: ${tally.attempts} attempts on ${tally.databases.join(' and ')} ` +
      `(${describeRoutes(ROUTES).length} routes x ${CREDENTIAL_ATTACKS.length} credential attacks + ${CROSS_USER_ATTEMPTS.length} cross-user id attempts, per database): ` +
      `${tally.refused} refused (${refusals}), ${tally.emptyAnswers} empty pages${other > 0 ? `, ${other} other answers` : ''}; ${tally.leaks.length} leaks, ${tally.rowsChanged} rows changed\n`,
  );
});

describeEachDatabase('HTTP isolation', (db, kind) => {
  let server: RunningServer;
  const victim: Victim = { userId: unique('dev-temp-victim-'), threadId: unique('victim-thread-'), runId: unique('victim-run-'), snapshotIds: [], stateMarker: unique('victim-state-'), metadataMarker: unique('victim-meta-') };
  const attackerId = unique('dev-temp-attacker-');

  beforeAll(async () => {
    tally.databases.push(kind);
    const service = createStatePersistence({ prisma: db().prisma, environment: 'development', logger: silentLogger });
    server = await startApiServer({ service, auth: await createTokenVerifier(testAuthConfig()) });
    const asVictim = bearer(await tokenFor(victim.userId));
    for (let i = 0; i < 3; i++) {
      const res = await call(server.url, 'POST', `/users/${victim.userId}/snapshots`, { threadId: victim.threadId, runId: victim.runId, state: { secret: victim.stateMarker, i }, metadata: { note: victim.metadataMarker }, ...(i > 0 ? { parentId: victim.snapshotIds[i - 1] } : {}) }, asVictim);
      expect(res.status).toBe(201);
      victim.snapshotIds.push((res.json as { snapshot: { id: string } }).snapshot.id);
    }
    // The attacker is a real user with data of their own.
    const own = await call(server.url, 'POST', `/users/${attackerId}/snapshots`, { threadId: 'mine', runId: 'r', state: {} }, bearer(await tokenFor(attackerId)));
    expect(own.status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
  });

  async function attempt(label: string, request: Request, headers: Record<string, string>, expected: { status: number; code?: string | undefined }): Promise<RawResponse> {
    const before = await countAllRows(db().prisma);
    const res = await call(server.url, request.method, request.path, request.body, headers);
    const after = await countAllRows(db().prisma);
    tally.attempts++;
    tally.byStatus[res.status] = (tally.byStatus[res.status] ?? 0) + 1;
    if (res.status >= 400) tally.refused++;
    const leaks = leakedMarkers(victim, request, res);
    if (leaks.length > 0) tally.leaks.push(`${kind} ${label}: ${leaks.join(', ')}`);
    const changed = Object.keys({ ...before, ...after }).reduce((sum, table) => sum + Math.abs((after[table] ?? 0) - (before[table] ?? 0)), 0);
    if (changed > 0) tally.rowChanges.push(`${kind} ${label}`);
    tally.rowsChanged += changed;
    expect({ status: res.status, code: (res.json as { error?: { code?: string } } | undefined)?.error?.code }).toEqual({ status: expected.status, code: expected.code });
    expect(leaks).toEqual([]);
    expect(after).toEqual(before);
    return res;
  }

  it('attacks every route there is', () => {
    expect(Object.keys(ROUTE_TARGETS).sort()).toEqual(describeRoutes(ROUTES).sort());
  });

  describe.each(Object.entries(ROUTE_TARGETS))('%s', (route, target) => {
    it.each(CREDENTIAL_ATTACKS.map((a) => [a.kind, a] as const))('%s: refused, nothing shown, nothing changed', async (_kind, attack) => {
      const res = await attempt(`${route} / ${attack.kind}`, target(victim), await attack.credentials(victim, attackerId), attack);
      if (attack.status === 401) {
        const challenge = res.headers.get('www-authenticate') ?? '';
        expect(challenge).toMatch(/^Bearer realm="agent-state"/);
        expect(challenge.includes('error="invalid_token"')).toBe(attack.code === 'INVALID_TOKEN');
      }
    });
  });

  describe("another user's ids on the attacker's own paths", () => {
    it.each(CROSS_USER_ATTEMPTS.map((a) => [a.name, a] as const))('%s: not found or refused, nothing shown, nothing changed', async (name, cross) => {
      const res = await attempt(`cross-user / ${name}`, cross.request(victim, attackerId), bearer(await tokenFor(attackerId)), { status: cross.status, code: cross.code });
      if (res.status === 200) {
        expect(res.json).toEqual({ items: [], nextCursor: null });
        tally.emptyAnswers++;
      }
    });

    it("another user's snapshot id reads exactly like a missing one", async () => {
      const asAttacker = bearer(await tokenFor(attackerId));
      const missing = '00000000-0000-4000-8000-000000000000';
      const theirs = await call(server.url, 'GET', `/users/${attackerId}/snapshots/${victim.snapshotIds[0]}`, undefined, asAttacker);
      const none = await call(server.url, 'GET', `/users/${attackerId}/snapshots/${missing}`, undefined, asAttacker);
      expect(theirs.status).toBe(none.status);
      expect(theirs.text.replace(victim.snapshotIds[0] ?? '', 'ID')).toBe(none.text.replace(missing, 'ID'));
    });
  });

  it("leaves the victim's data whole and readable by the victim", async () => {
    const res = await call(server.url, 'GET', `/users/${victim.userId}/snapshots/${victim.snapshotIds.at(-1)}/lineage`, undefined, bearer(await tokenFor(victim.userId)));
    expect(res.status).toBe(200);
    expect((res.json as Array<{ id: string; state: { secret: string } }>).map((s) => [s.id, s.state.secret])).toEqual([...victim.snapshotIds].reverse().map((id) => [id, victim.stateMarker]));
    expect(await db().prisma.user.count({ where: { id: victim.userId } })).toBe(1);
  });
});
