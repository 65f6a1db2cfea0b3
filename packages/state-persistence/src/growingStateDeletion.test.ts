/**
 * Issue 22 point 6, deletion is complete. A unique marker is planted inside
 * large growing states (stored as layouts over agent_state_elements) and a
 * small whole-stored one of a user on two threads; after pruneSnapshots,
 * deleteThread and deleteUserData every text/json/jsonb/bytea column of every
 * table of the public schema (found from information_schema, so tables added
 * later are scanned too; reading a column detoasts it) is searched for it.
 * Also: two users saving identical content share no element rows.
 */
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@agentstate/db';
import { describeEachDatabase } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import { createStatePersistence, type StatePersistence } from './service';
import { unique } from './testing/fixtures';

interface Hit {
  table: string;
  column: string;
  thread: string | null;
  n: number;
}

const TEXT_TYPES = ['text', 'character varying', 'character', 'json', 'jsonb', 'bytea'];

/** Every row of every public table whose text-like column contains `needle`, by table, column and thread_id (when the table has one). */
async function scanFor(prisma: PrismaClient, needle: string): Promise<Hit[]> {
  const columns = await prisma.$queryRaw<Array<{ table: string; column: string; type: string; threaded: boolean }>>`
    SELECT c.table_name::text AS "table", c.column_name::text AS "column", c.data_type::text AS type,
      EXISTS (SELECT 1 FROM information_schema.columns t WHERE t.table_schema = 'public' AND t.table_name = c.table_name AND t.column_name = 'thread_id') AS threaded
    FROM information_schema.columns c JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
    WHERE c.table_schema = 'public' AND tb.table_type = 'BASE TABLE' AND c.data_type = ANY(${TEXT_TYPES}::text[])
    ORDER BY 1, 2`;
  const hits: Hit[] = [];
  for (const { table, column, type, threaded } of columns) {
    const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const match = type === 'bytea' ? `position(convert_to($1, 'UTF8') in ${q(column)}) > 0` : `strpos(${q(column)}::text, $1) > 0`;
    const rows = await prisma.$queryRawUnsafe<Array<{ thread: string | null; n: number }>>(
      `SELECT ${threaded ? 'thread_id::text' : 'NULL::text'} AS thread, count(*)::int AS n FROM ${q(table)} WHERE ${match} GROUP BY 1`,
      needle,
    );
    for (const row of rows) hits.push({ table, column, thread: row.thread, n: row.n });
  }
  return hits;
}

function service(prisma: PrismaClient, sql: unknown): StatePersistence {
  const { logger } = createMemoryLogger({ level: 'warn' });
  // minBytes explicit: states above it are stored as layouts, the small one below it whole.
  return createStatePersistence({ prisma, ...(sql ? { sql: sql as never } : {}), environment: 'development', logger, growingState: { minBytes: 1024 } });
}

const filler = (i: number) => `message ${i}: ${randomBytes(300).toString('base64')}`;

describeEachDatabase('growing-state deletion is complete', (db) => {
  it('a planted marker survives pruneSnapshots only where a kept snapshot needs it, and neither deleteThread nor deleteUserData leaves it or the user anywhere', async () => {
    const { prisma, sql } = db();
    const persistence = service(prisma, sql);
    const marker = `MARKER${randomBytes(8).toString('hex')}`;
    const userId = unique('dev-temp-del-');
    const other = unique('dev-temp-keep-');
    const save = async (threadId: string, state: unknown) => {
      const result = await persistence.saveSnapshot({ userId, threadId, runId: 'r', state });
      if (result.status !== 'saved') throw new Error('expected saved');
      return result.snapshot;
    };
    // Another user's data must survive everything below (the scans see real rows).
    await persistence.saveSnapshot({ userId: other, threadId: 't1', runId: 'r', state: { messages: Array.from({ length: 8 }, (_, i) => ({ content: filler(i) })) } });

    // t1: a small whole-stored state with the marker, then growing states carrying it in an early message,
    // then a compaction that drops it, then growing states without it.
    const whole = await save('t1', { note: marker });
    let messages: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 10; i++) {
      messages = [...messages, { role: 'user', content: i === 2 ? `${filler(i)} ${marker}` : filler(i) }];
      await save('t1', { step: i, messages });
    }
    messages = [{ role: 'system', content: `summary ${filler(100)}` }];
    const clean: string[] = [];
    for (let i = 0; i < 4; i++) {
      messages = [...messages, { role: 'user', content: filler(200 + i) }];
      clean.push((await save('t1', { step: 100 + i, messages, tail: filler(300 + i) })).id);
    }
    // t2: growing states that keep the marker to the end.
    messages = [];
    const t2: string[] = [];
    for (let i = 0; i < 6; i++) {
      messages = [...messages, { role: 'assistant', content: i === 1 ? `${marker} ${filler(i)}` : filler(i) }];
      t2.push((await save('t2', { step: i, messages })).id);
    }

    const planted = await scanFor(prisma, marker);
    const layouts = await prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM agent_state_snapshots WHERE user_id = ${userId} AND layout IS NOT NULL`;
    expect(layouts[0]!.n).toBeGreaterThanOrEqual(8);
    // The scan sees the marker both inside elements and in the whole-stored row (it can find what it looks for).
    expect(planted.filter((h) => h.table === 'agent_state_elements').map((h) => h.thread).sort()).toEqual(['t1', 't2']);
    expect(planted.some((h) => h.table === 'agent_state_snapshots' && h.column === 'state' && h.thread === 't1')).toBe(true);
    expect((await persistence.getSnapshot({ userId, id: whole.id })).state).toEqual({ note: marker });

    // (a) keep only t1's snapshots without the marker: on t1 it is gone, t2's kept snapshots still need it.
    await persistence.pruneSnapshots({ userId, threadId: 't1', keepLast: clean.length });
    const kept = (await persistence.listSnapshots({ userId, threadId: 't1' })).items;
    expect(kept.map((s) => s.id).sort()).toEqual([...clean].sort());
    for (const s of kept) expect(JSON.stringify(s.state)).not.toContain(marker);
    const afterPrune = await scanFor(prisma, marker);
    expect(afterPrune.filter((h) => h.thread !== 't2')).toEqual([]);
    expect(afterPrune.some((h) => h.table === 'agent_state_elements' && h.thread === 't2')).toBe(true);
    for (const id of t2.slice(1)) expect(JSON.stringify((await persistence.getSnapshot({ userId, id })).state)).toContain(marker);

    // (b) deleteThread t2: nothing with the marker is left anywhere.
    await persistence.deleteThread({ userId, threadId: 't2' });
    expect(await scanFor(prisma, marker)).toEqual([]);

    // (c) plant again (a layout on t1 and t3, a whole row on t3), then deleteUserData: no marker, no row of the user.
    messages = [];
    for (let i = 0; i < 5; i++) {
      messages = [...messages, { content: `${filler(i)} ${i === 0 ? marker : ''}` }];
      await save('t1', { messages });
      await save('t3', { messages });
    }
    await save('t3', { small: marker });
    expect((await scanFor(prisma, marker)).filter((h) => h.table === 'agent_state_elements').map((h) => h.thread).sort()).toEqual(['t1', 't3']);
    expect((await scanFor(prisma, userId)).length).toBeGreaterThan(3);
    await persistence.deleteUserData(userId);
    expect(await scanFor(prisma, marker)).toEqual([]);
    // By default the provisioning audit trail is kept (no content, only who was provisioned); it is the only trace left.
    expect([...new Set((await scanFor(prisma, userId)).map((h) => h.table))]).toEqual(['user_provisioning_audit']);
    await persistence.deleteUserData(userId, { auditTrail: 'delete' });
    expect(await scanFor(prisma, userId)).toEqual([]);
    // The other user is untouched.
    expect((await scanFor(prisma, other)).some((h) => h.table === 'agent_state_elements')).toBe(true);
    expect(await persistence.getLatest({ userId: other, threadId: 't1' })).not.toBeNull();
  }, 180_000);

  it('two users saving identical content share no element rows', async () => {
    const { prisma, sql } = db();
    const persistence = service(prisma, sql);
    const [a, b] = [unique('dev-temp-same-a-'), unique('dev-temp-same-b-')];
    const states: unknown[] = [];
    let messages: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 6; i++) {
      messages = [...messages, { content: filler(i) }];
      states.push({ step: i, messages });
    }
    for (const state of states) for (const userId of [a, b]) await persistence.saveSnapshot({ userId, threadId: 'same', runId: 'r', state });
    const count = async (userId: string) =>
      (await prisma.$queryRaw<Array<{ n: number; bytes: number }>>`SELECT count(*)::int AS n, coalesce(sum(length(body)), 0)::int AS bytes FROM agent_state_elements WHERE user_id = ${userId}`)[0]!;
    const [countA, countB] = [await count(a), await count(b)];
    expect(countA.n).toBeGreaterThan(5);
    // Each user holds its own full copy: identical bytes are stored twice, never referenced across users.
    expect(countB).toEqual(countA);
    await persistence.deleteUserData(a);
    expect(await count(a)).toEqual({ n: 0, bytes: 0 });
    expect(await count(b)).toEqual(countB);
    expect((await persistence.getLatest({ userId: b, threadId: 'same' }))?.state).toEqual(states[states.length - 1]);
    const bSnapshots = (await persistence.listSnapshots({ userId: b, threadId: 'same' })).items;
    expect(bSnapshots.map((s) => s.state).reverse()).toEqual(states);
  }, 120_000);
});
