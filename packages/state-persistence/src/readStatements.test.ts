/**
 * The reads' statements (readStatements.ts), on both paths: db.sql (PostgreSQL)
 * and Prisma where db.sql is absent (PGlite, or a client built by hand).
 * Differential: seeded random saves and reads against an in-memory reference
 * of the saved snapshots (byte sizes asked from the server: PostgreSQL's jsonb
 * text is what the budgets count). Counted: one statement per read, on the
 * path the service was given, and nothing through the other.
 */
import type { PrismaClient, SqlRunner } from '@agentstate/db';
import { describeEachDatabase, pick, randomInt, seededRandom } from '@agentstate/db/testing';
import { SnapshotNotFoundError } from './errors';
import { serviceFor, unique } from './testing/fixtures';
import { createStatePersistence, type StatePersistence } from './service';
import type { SaveSnapshotResult, Snapshot } from './types';

/** db.sql, counting the statements sent through it (and whether each was marked preparable). */
function countingSql(sql: SqlRunner) {
  const sent: Array<{ text: string; prepare: boolean }> = [];
  const runner: SqlRunner = {
    query: (text, values, options) => {
      sent.push({ text, prepare: options?.prepare === true });
      return sql.query(text, values, options);
    },
  };
  return { runner, sent };
}

/** The Prisma client, counting every raw query and model call made through it. */
function countingPrisma(prisma: PrismaClient) {
  const calls: string[] = [];
  const proxy = new Proxy(prisma, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof property !== 'string') return value;
      if (typeof value === 'function') {
        return (...args: unknown[]) => {
          if (property.startsWith('$query') || property.startsWith('$execute')) calls.push(property);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      if (property === 'agentStateSnapshot') calls.push(property);
      return value;
    },
  });
  return { prisma: proxy, calls };
}

describeEachDatabase('reads: one statement each, on db.sql or through Prisma', (db, kind) => {
  async function seed(service: StatePersistence, userId: string) {
    const ids: string[] = [];
    let parentId: string | null = null;
    for (let i = 0; i < 4; i++) {
      const saved: SaveSnapshotResult = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { i, at: new Date(1_700_000_000_000 + i), tags: new Set([i]) }, parentId });
      if (saved.status !== 'saved') throw new Error('expected saved');
      ids.push(saved.snapshot.id);
      parentId = saved.snapshot.id;
    }
    return ids;
  }

  async function eachRead(service: StatePersistence, userId: string, ids: string[]) {
    return [
      await service.getLatest({ userId, threadId: 't' }),
      await service.getSnapshot({ userId, id: ids[1]! }),
      await service.listSnapshots({ userId, threadId: 't', limit: 2 }),
      await service.getLineage({ userId, id: ids[3]! }),
    ];
  }

  if (kind === 'postgresql') {
    it('with db.sql, each read sends exactly one statement (named prepared but for next pages), and nothing through Prisma', async () => {
      const userId = unique('dev-temp-');
      const ids = await seed(serviceFor(db()).service, userId);
      const sql = countingSql(db().sql!);
      const prisma = countingPrisma(db().prisma);
      const service = createStatePersistence({ prisma: prisma.prisma, sql: sql.runner, environment: 'development' });
      const cursor = (await service.listSnapshots({ userId, threadId: 't', limit: 2 })).nextCursor;
      // Next pages go unnamed: a generic plan of `seq < $n` could walk the seq index through every user's rows.
      for (const [read, prepared] of [
        [() => service.getLatest({ userId, threadId: 't' }), true],
        [() => service.getSnapshot({ userId, id: ids[0]! }), true],
        [() => service.listSnapshots({ userId, threadId: 't', limit: 2 }), true],
        [() => service.listSnapshots({ userId, limit: 2, maxBytes: 1024 }), true],
        [() => service.listSnapshots({ userId, threadId: 't', limit: 2, cursor }), false],
        [() => service.getLineage({ userId, id: ids[3]! }), true],
      ] as const) {
        sql.sent.length = 0;
        prisma.calls.length = 0;
        await read();
        expect(sql.sent).toHaveLength(1);
        expect(sql.sent[0]!.prepare).toBe(prepared);
        expect(prisma.calls).toEqual([]);
      }
    });

    it('the Prisma fallback (no db.sql) reads exactly what db.sql reads', async () => {
      const userId = unique('dev-temp-');
      const withSql = serviceFor(db()).service;
      const ids = await seed(withSql, userId);
      const prisma = countingPrisma(db().prisma);
      const withoutSql = createStatePersistence({ prisma: prisma.prisma, environment: 'development' });
      prisma.calls.length = 0;
      const viaPrisma = await eachRead(withoutSql, userId, ids);
      expect(prisma.calls).toEqual(['$queryRaw', '$queryRaw', '$queryRaw', '$queryRaw']);
      expect(viaPrisma).toEqual(await eachRead(withSql, userId, ids));
    });
  }

  if (kind === 'pglite') {
    it('on PGlite (no db.sql) each read is one statement through Prisma', async () => {
      expect(db().sql).toBeUndefined();
      const userId = unique('dev-temp-');
      const ids = await seed(serviceFor(db()).service, userId);
      const prisma = countingPrisma(db().prisma);
      const service = createStatePersistence({ prisma: prisma.prisma, environment: 'development' });
      const [latest, one, page, lineage] = await eachRead(service, userId, ids);
      expect(prisma.calls).toEqual(['$queryRaw', '$queryRaw', '$queryRaw', '$queryRaw']);
      expect((latest as Snapshot).state).toEqual({ i: 3, at: new Date(1_700_000_000_003), tags: new Set([3]) });
      expect((one as Snapshot).id).toBe(ids[1]);
      expect((page as { items: Snapshot[] }).items.map((s) => s.id)).toEqual([ids[3], ids[2]]);
      expect((lineage as Snapshot[]).map((s) => s.id)).toEqual([...ids].reverse());
    });
  }

  it('decodes every tagged value, a "$t" key and "$t" text the same as it was saved', async () => {
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    const state = {
      when: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
      big: 12345678901234567890n,
      map: new Map<unknown, unknown>([[1, 'a'], ['k', new Set(['x'])]]),
      gone: undefined,
      escaped: { $t: 'Date', v: 'not a date' },
      text: 'a "$t" inside a string, and "$t"',
      plain: ['$t', { a: '$t' }],
    };
    const saved = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state, metadata: { $t: 'x' } });
    if (saved.status !== 'saved') throw new Error('expected saved');
    for (const read of [
      await service.getLatest({ userId, threadId: 't' }),
      await service.getSnapshot({ userId, id: saved.snapshot.id }),
      (await service.listSnapshots({ userId })).items[0],
      (await service.getLineage({ userId, id: saved.snapshot.id }))[0],
    ]) {
      expect(read).toEqual(saved.snapshot);
      expect((read!.state as typeof state).big).toBe(12345678901234567890n);
      expect(Object.keys(read!.state as object)).toContain('gone');
    }
  });

  it('seeded random saves and reads agree with a reference of what was saved (pages, cursors, budgets, lineage, owners)', async () => {
    const random = seededRandom(kind === 'pglite' ? 27 : 2027);
    const { service } = serviceFor(db());
    const users = [unique('dev-temp-a-'), unique('dev-temp-b-'), unique('dev-temp-c-')];
    const saved: Array<Snapshot & { bytes: number }> = [];
    const sizeOf = async (id: string) => {
      const rows = await db().prisma.$queryRawUnsafe<Array<{ bytes: number }>>(
        `SELECT (octet_length(state::text) + octet_length(metadata::text))::int AS bytes FROM agent_state_snapshots WHERE id = $1::uuid`,
        id,
      );
      return rows[0]!.bytes;
    };
    const newestFirst = (rows: typeof saved) => [...rows].reverse();

    for (let step = 0; step < 60; step++) {
      const userId = pick(random, users);
      const threadId = pick(random, ['t1', 't2']);
      const sameThread = saved.filter((s) => s.userId === userId && s.threadId === threadId);
      const parentId = sameThread.length > 0 && random() < 0.8 ? pick(random, sameThread).id : null;
      const state = { step, text: 'x'.repeat(randomInt(random, 0, 2500)), ...(random() < 0.3 ? { at: new Date(step * 1000) } : {}) };
      const result = await service.saveSnapshot({ userId, threadId, runId: pick(random, ['r1', 'r2']), state, metadata: { step }, parentId });
      if (result.status !== 'saved') throw new Error('expected saved');
      saved.push({ ...result.snapshot, bytes: await sizeOf(result.snapshot.id) });
    }
    const strip = ({ bytes: _bytes, ...snapshot }: Snapshot & { bytes: number }) => snapshot;

    for (let check = 0; check < 40; check++) {
      const userId = pick(random, users);
      const own = saved.filter((s) => s.userId === userId);
      // getLatest / getSnapshot, including another user's id (not found)
      const threadId = pick(random, ['t1', 't2', 'none']);
      const latest = newestFirst(own.filter((s) => s.threadId === threadId))[0];
      expect(await service.getLatest({ userId, threadId })).toEqual(latest ? strip(latest) : null);
      const any = pick(random, saved);
      if (any.userId === userId) expect(await service.getSnapshot({ userId, id: any.id })).toEqual(strip(any));
      else await expect(service.getSnapshot({ userId, id: any.id })).rejects.toBeInstanceOf(SnapshotNotFoundError);

      // every page of a random filter, limit and budget
      const filter = { ...(random() < 0.6 ? { threadId: pick(random, ['t1', 't2']) } : {}), ...(random() < 0.3 ? { runId: pick(random, ['r1', 'r2']) } : {}) };
      const limit = randomInt(random, 1, 7);
      const maxBytes = randomInt(random, 1024, 9000);
      let remaining = newestFirst(own.filter((s) => (!filter.threadId || s.threadId === filter.threadId) && (!filter.runId || s.runId === filter.runId)));
      let cursor: string | null = null;
      do {
        const page: { items: Snapshot[]; nextCursor: string | null } = await service.listSnapshots({ userId, ...filter, limit, maxBytes, cursor });
        let bytes = 0;
        let taken = 0;
        while (taken < Math.min(limit, remaining.length) && bytes < maxBytes) bytes += remaining[taken++]!.bytes;
        expect(page.items).toEqual(remaining.slice(0, taken).map(strip));
        remaining = remaining.slice(taken);
        expect(page.nextCursor === null).toBe(remaining.length === 0);
        cursor = page.nextCursor;
      } while (cursor);

      // lineage within the owner's rows, cut by limit and budget
      const start = pick(random, own.length > 0 ? own : saved);
      if (start.userId !== userId) {
        await expect(service.getLineage({ userId, id: start.id })).rejects.toBeInstanceOf(SnapshotNotFoundError);
        continue;
      }
      const lineageLimit = randomInt(random, 1, 8);
      const expected: Snapshot[] = [];
      let bytes = 0;
      for (let at: (typeof saved)[number] | undefined = start; at && expected.length < lineageLimit && (expected.length === 0 || bytes < maxBytes); at = saved.find((s) => s.id === at!.parentId && s.userId === userId)) {
        expected.push(strip(at));
        bytes += at.bytes;
      }
      expect(await service.getLineage({ userId, id: start.id, limit: lineageLimit, maxBytes })).toEqual(expected);
    }
  }, 120_000);
});
