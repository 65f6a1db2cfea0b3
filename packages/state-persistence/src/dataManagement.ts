import type { PrismaClient } from '@agentstate/db';
import { Prisma } from '@agentstate/db';
import { collectElements, renewEpochs, runDatabaseWrite } from '@agentstate/write-path';
import { InvalidInputError } from './errors';
import type { PruneSnapshotsInput } from './types';
import { describeType, rejectUnknownKeys, requireDate, requireIdentifier, requireInteger, requireObject } from './validation';

const PRUNE_KEYS = ['keepLast', 'olderThan', 'userId', 'threadId', 'allUsers'] as const;

/** What deletions tell the write path, so its next write for these rows skips a wasted fast-path attempt. */
interface ForgetsReferences {
  forgetUser(userId: string): void;
  forgetReference(model: string, keyText: string): void;
}

/** Deletion and retention. */
export function createDataManagement(prisma: PrismaClient, writePath: ForgetsReferences) {
  async function deleteThread(query: { userId: string; threadId: string }): Promise<{ deletedSnapshots: number }> {
    const fields = requireObject(query, 'deleteThread query');
    rejectUnknownKeys(fields, ['userId', 'threadId'], 'deleteThread query');
    const userId = requireIdentifier(fields.userId, 'userId');
    const threadId = requireIdentifier(fields.threadId, 'threadId');
    // Deleting the thread row cascades to its snapshots; count them in the same transaction.
    const [snapshots] = await runDatabaseWrite('deleteThread', () =>
      prisma.$transaction([
        prisma.agentStateSnapshot.deleteMany({ where: { userId, threadId } }),
        prisma.agentThread.deleteMany({ where: { userId, id: threadId } }),
      ]),
    );
    writePath.forgetReference('AgentThread', `${userId}/${threadId}`);
    return { deletedSnapshots: snapshots.count };
  }

  async function deleteUserData(userId: string, options: { auditTrail?: 'keep' | 'delete' } = {}) {
    const id = requireIdentifier(userId, 'userId');
    const opts = requireObject(options, 'deleteUserData options');
    rejectUnknownKeys(opts, ['auditTrail'], 'deleteUserData options');
    const auditTrail = opts.auditTrail ?? 'keep';
    if (auditTrail !== 'keep' && auditTrail !== 'delete') throw new InvalidInputError('auditTrail', `expected 'keep' or 'delete', got ${describeType(auditTrail)}`);
    const [snapshots, users, auditRows] = await runDatabaseWrite('deleteUserData', () =>
      prisma.$transaction([
        prisma.agentStateSnapshot.deleteMany({ where: { userId: id } }),
        prisma.user.deleteMany({ where: { id } }),
        prisma.userProvisioningAudit.deleteMany({ where: auditTrail === 'delete' ? { subjectId: id } : { id: { lt: 0 } } }),
      ]),
    );
    writePath.forgetUser(id);
    return { deletedUsers: users.count, deletedSnapshots: snapshots.count, deletedAuditRows: auditRows.count };
  }

  async function pruneSnapshots(input: PruneSnapshotsInput): Promise<{ deletedSnapshots: number }> {
    const fields = requireObject(input, 'pruneSnapshots input');
    rejectUnknownKeys(fields, PRUNE_KEYS, 'pruneSnapshots input');
    // keepLast: 0 would delete whole threads' history: that is deleteThread / deleteUserData, named for it.
    if (fields.keepLast === 0) throw new InvalidInputError('keepLast', 'must be at least 1 (pruning keeps the newest snapshots of each thread); to delete a whole thread or user, call deleteThread or deleteUserData');
    const keepLast = fields.keepLast === undefined ? null : requireInteger(fields.keepLast, 'keepLast', 1, 1_000_000_000);
    const olderThan = fields.olderThan === undefined ? null : requireDate(fields.olderThan, 'olderThan');
    if (keepLast === null && olderThan === null) throw new InvalidInputError('pruneSnapshots input', 'give keepLast, olderThan, or both (nothing would be pruned otherwise)');
    const userId = fields.userId === undefined ? null : requireIdentifier(fields.userId, 'userId');
    const threadId = fields.threadId === undefined ? null : requireIdentifier(fields.threadId, 'threadId');
    if (threadId !== null && userId === null) throw new InvalidInputError('threadId', 'pruning one thread needs its userId too');
    if (fields.allUsers !== undefined && fields.allUsers !== true) throw new InvalidInputError('allUsers', `expected true or nothing, got ${describeType(fields.allUsers)}`);
    // Across every user only when asked for by name: a missing userId must not mean "everyone".
    if (userId === null && fields.allUsers !== true) throw new InvalidInputError('userId', 'give the userId whose snapshots to prune, or allUsers: true to prune every user\'s snapshots');
    if (userId !== null && fields.allUsers === true) throw new InvalidInputError('allUsers', 'give either userId or allUsers: true, not both');
    const doomed =
      keepLast === null
        ? Prisma.sql`
            SELECT id FROM agent_state_snapshots
            WHERE created_at < ${olderThan} AND (${userId}::text IS NULL OR user_id = ${userId}) AND (${threadId}::text IS NULL OR thread_id = ${threadId})`
        : Prisma.sql`
            SELECT id FROM (
              SELECT id, created_at, row_number() OVER (PARTITION BY user_id, thread_id ORDER BY seq DESC) AS newest_rank
              FROM agent_state_snapshots
              WHERE (${userId}::text IS NULL OR user_id = ${userId}) AND (${threadId}::text IS NULL OR thread_id = ${threadId})
            ) ranked
            WHERE newest_rank > ${keepLast} AND (${olderThan}::timestamptz IS NULL OR created_at < ${olderThan}::timestamptz)`;
    // Then the elements (growing-state storage) that no kept snapshot references, in the same transaction.
    const deleted = await runDatabaseWrite('pruneSnapshots', () =>
      prisma.$transaction(
        async (tx) => {
          const threads = await tx.$queryRaw<Array<{ user_id: string; thread_id: string; n: bigint | number }>>`
            WITH d AS (DELETE FROM agent_state_snapshots WHERE id IN (${doomed}) RETURNING user_id, thread_id)
            SELECT user_id, thread_id, count(*) AS n FROM d GROUP BY user_id, thread_id`;
          const touched = threads.map((t) => ({ userId: t.user_id, threadId: t.thread_id }));
          if (touched.length > 0) {
            const logged = await tx.$queryRaw<Array<{ user_id: string; thread_id: string }>>(renewEpochs(touched));
            if (logged.length > 0) await tx.$executeRaw(collectElements(logged.map((t) => ({ userId: t.user_id, threadId: t.thread_id }))));
          }
          return threads.reduce((sum, t) => sum + Number(t.n), 0);
        },
        { timeout: 60_000, maxWait: 10_000 },
      ),
    );
    return { deletedSnapshots: deleted };
  }

  return { deleteThread, deleteUserData, pruneSnapshots };
}
