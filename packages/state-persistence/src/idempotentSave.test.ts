import { randomUUID } from 'node:crypto';
import { countAllRows, describeEachDatabase, describePostgres } from '@agentstate/db/testing';
import { ConcurrentWriteError, IdempotencyConflictError, InvalidInputError } from './errors';
import { contentDigest } from './snapshotIdempotency';
import { serviceFor, unique } from './testing/fixtures';
import type { SaveSnapshotInput, SaveSnapshotResult } from './types';

function savedOf<S>(result: SaveSnapshotResult<S>) {
  if (result.status !== 'saved') throw new Error(`expected saved, got ${result.status}`);
  return result;
}

describe('content digest', () => {
  const base = { userId: 'u', threadId: 't', runId: 'r', parentId: null, stateJson: '{"a":1,"b":[{"y":2,"x":1}]}', metadataJson: '{}' };
  it('sees every part (key order is left to the statement, which compares as jsonb when the digest differs)', () => {
    expect(contentDigest({ ...base })).toBe(contentDigest(base));
    for (const change of [{ userId: 'v' }, { threadId: 'u' }, { runId: 's' }, { parentId: randomUUID() }, { stateJson: '{"a":2,"b":[]}' }, { metadataJson: '{"k":1}' }]) {
      expect(contentDigest({ ...base, ...change })).not.toBe(contentDigest(base));
    }
    // parts are length-prefixed: moving a character from one part to the next changes the digest
    expect(contentDigest({ ...base, userId: 'ut', threadId: '' })).not.toBe(contentDigest({ ...base, userId: 'u', threadId: 't' }));
  });
});

describeEachDatabase('idempotent saves (caller-chosen id)', (db) => {
  it('fast path: a retry returns the stored snapshot as a replay and writes nothing', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 0 }); // user and thread now known: the fast path
    const id = randomUUID();
    const input = { id, userId, threadId: 't', runId: 'r', state: { step: 1, tools: ['a'] }, metadata: { k: 'v' } };
    const first = savedOf(await service.saveSnapshot(input));
    expect(first).toMatchObject({ replayed: false, attempts: 1, snapshot: { id } });
    const before = await countAllRows(prisma);
    const again = savedOf(await service.saveSnapshot({ ...input, state: { tools: ['a'], step: 1 } })); // same content, other key order
    expect(again).toMatchObject({ replayed: true, provisioning: null, snapshot: { id, state: { step: 1 } } });
    expect(again.snapshot.createdAt.toISOString()).toBe(first.snapshot.createdAt.toISOString());
    expect(await countAllRows(prisma)).toEqual(before);
    // read-your-writes after a replay
    expect(await service.getLatest({ userId, threadId: 't' })).toMatchObject({ id });
  });

  it('ensure path: a retry of a first save that created the user creates nothing and audits nothing', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const id = randomUUID();
    const input = { id, userId, threadId: 'new-thread', runId: 'r', state: { n: 1 } };
    const first = savedOf(await serviceFor(db()).service.saveSnapshot(input));
    expect(first).toMatchObject({ provisioning: 'created', replayed: false });
    const before = await countAllRows(prisma);
    // a fresh service remembers nothing: its retry takes the ensure path
    const { service, lines } = serviceFor(db());
    const again = savedOf(await service.saveSnapshot(input));
    expect(again).toMatchObject({ replayed: true, provisioning: null, snapshot: { id } });
    expect(await countAllRows(prisma)).toEqual(before);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: userId } })).toBe(1);
    expect(lines.filter((l) => l.event === 'user.provisioning')).toEqual([]);
  });

  it('the same id with other content, or for another thread or user, is refused and writes nothing (not even a new user)', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db());
    const owner = unique('dev-temp-');
    const id = randomUUID();
    savedOf(await service.saveSnapshot({ id, userId: owner, threadId: 't', runId: 'r', state: { secret: 'owner-only' } }));
    const before = await countAllRows(prisma);
    const stranger = unique('dev-temp-');
    const attempts: Array<SaveSnapshotInput<unknown>> = [
      { id, userId: owner, threadId: 't', runId: 'r', state: { secret: 'changed' } },
      { id, userId: owner, threadId: 't', runId: 'r2', state: { secret: 'owner-only' } },
      { id, userId: owner, threadId: 'other', runId: 'r', state: { secret: 'owner-only' } },
      { id, userId: stranger, threadId: 't', runId: 'r', state: { secret: 'owner-only' } },
      { id, userId: stranger, threadId: 't', runId: 'r', state: { guess: 1 } },
    ];
    for (const input of attempts) {
      for (const fresh of [false, true]) {
        const error = await (fresh ? serviceFor(db()).service : service).saveSnapshot(input).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(IdempotencyConflictError);
        expect(error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', id });
        // never anything of the stored row
        expect((error as Error).message).not.toMatch(/owner-only|dev-temp/);
      }
    }
    expect(await countAllRows(prisma)).toEqual(before);
    expect(await prisma.user.count({ where: { id: stranger } })).toBe(0);
  });

  it('an id already taken by a save without an id is a conflict, and a malformed id is invalid input', async () => {
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    const plain = savedOf(await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 1 }));
    await expect(service.saveSnapshot({ id: plain.snapshot.id, userId, threadId: 't', runId: 'r', state: 1 })).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(service.saveSnapshot({ id: 'not-a-uuid', userId, threadId: 't', runId: 'r', state: 1 })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('group commit: concurrent new saves, retries, a conflict and a duplicate in one batch each get their own answer', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db());
    const userId = unique('dev-temp-');
    await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: 0 });
    const stored = await Promise.all([1, 2, 3].map((n) => service.saveSnapshot({ id: randomUUID(), userId, threadId: 't', runId: 'r', state: { n, k: 'x' } }).then(savedOf)));
    const dup = randomUUID();
    const inputs: Array<SaveSnapshotInput<unknown>> = [
      // retries, their state built in another key order (other text, other digest, the same jsonb)
      ...stored.map((s) => ({ id: s.snapshot.id, userId, threadId: 't', runId: 'r', state: { k: 'x', n: (s.snapshot.state as { n: number }).n } })),
      { id: stored[0]!.snapshot.id, userId, threadId: 't', runId: 'r', state: { n: 99 } }, // conflict
      { id: dup, userId, threadId: 't', runId: 'r', state: 'dup' },
      { id: dup, userId, threadId: 't', runId: 'r', state: 'dup' },
      { userId, threadId: 't', runId: 'r', state: 'no id' },
      { id: randomUUID(), userId, threadId: 't', runId: 'r', state: 'new' },
    ];
    const results = await Promise.allSettled(inputs.map((input) => service.saveSnapshot(input)));
    const answers = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).constructor.name : (r.value as { replayed: boolean }).replayed ? 'replayed' : 'saved'));
    expect(answers.slice(0, 4)).toEqual(['replayed', 'replayed', 'replayed', 'IdempotencyConflictError']);
    expect(answers.slice(4, 6).sort()).toEqual(['replayed', 'saved']);
    expect(answers.slice(6)).toEqual(['saved', 'saved']);
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(1 + 3 + 1 + 2);
  });

  it('expectedParentId: the retry of a save that landed is a replay, not a ConcurrentWriteError', async () => {
    const { prisma } = db();
    const { service } = serviceFor(db());
    const userId = unique('test-');
    const root = savedOf(await service.saveSnapshot({ id: randomUUID(), userId, threadId: 't', runId: 'r', state: 0, expectedParentId: null }));
    const input = { id: randomUUID(), userId, threadId: 't', runId: 'r', state: 1, expectedParentId: root.snapshot.id };
    const next = savedOf(await service.saveSnapshot(input));
    expect(await service.saveSnapshot(input)).toMatchObject({ replayed: true, snapshot: { id: next.snapshot.id, parentId: root.snapshot.id } });
    expect(await serviceFor(db()).service.saveSnapshot({ ...input, id: root.snapshot.id, expectedParentId: null, state: 0 })).toMatchObject({ replayed: true });
    // a real second writer still gets ConcurrentWriteError
    await expect(service.saveSnapshot({ ...input, id: randomUUID(), state: 2 })).rejects.toBeInstanceOf(ConcurrentWriteError);
    await expect(service.saveSnapshot({ ...input, state: 2 })).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(2);
  });
});

describePostgres('idempotent saves racing (same id at once)', (db) => {
  it('first saves of a new user with one id from 8 services at once: one row, one user, one audit row, one writer, 7 replays', async () => {
    const { prisma } = db();
    const userId = unique('dev-temp-');
    const id = randomUUID();
    const services = Array.from({ length: 8 }, () => serviceFor(db()).service);
    const results = await Promise.all(services.map((service) => service.saveSnapshot({ id, userId, threadId: 't', runId: 'r', state: { n: 1 } }).then(savedOf)));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.snapshot.createdAt.toISOString())).size).toBe(1);
    expect(await prisma.agentStateSnapshot.count({ where: { userId } })).toBe(1);
    expect(await prisma.user.count({ where: { id: userId } })).toBe(1);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: userId } })).toBe(1);
  });

  it('the same id for 8 different new users at once: one wins, 7 conflicts, and the losers left no user or audit row', async () => {
    const { prisma } = db();
    const id = randomUUID();
    const users = Array.from({ length: 8 }, () => unique('dev-temp-'));
    const results = await Promise.allSettled(users.map((userId) => serviceFor(db()).service.saveSnapshot({ id, userId, threadId: 't', runId: 'r', state: 1 })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [users[i]!] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(IdempotencyConflictError);
    expect(await prisma.user.count({ where: { id: { in: users } } })).toBe(1);
    expect(await prisma.userProvisioningAudit.count({ where: { subjectId: { in: users } } })).toBe(1);
  });
});
