import type { DatabaseClient } from '@agentstate/db';
import { referenceProvisioning } from '@agentstate/prisma-provisioning';

// The Prisma extension guide's example, verbatim (readmeExample.test.ts runs it and checks docs/guides/prisma-extension.md shows it).
export async function writeThroughPrisma(db: DatabaseClient) {
  // Built once. Same policy, environment rules and audit trail as the service; the environment comes
  // from AGENT_STATE_ENV/NODE_ENV, so a production process never auto-creates (an option may narrow it).
  const prisma = db.prisma.$extends(referenceProvisioning());

  // No userbase row and no agent_threads row yet: both are ensured (INSERT … ON CONFLICT DO NOTHING,
  // one 'created' audit row) before Prisma's own create; later writes for them are the plain create.
  const snapshot = await prisma.agentStateSnapshot.create({
    data: {
      runId: 'run-42',
      state: { messages: ['hi'] },
      user: { connect: { id: 'dev-temp-b51e0c92' } },
      thread: { connect: { userId_id: { userId: 'dev-temp-b51e0c92', id: 'thread-1' } } },
    },
    select: { id: true, createdAt: true },
  });

  // Inside an interactive transaction the ensure step joins it: a rollback leaves no user row.
  const thread = await prisma.$transaction((tx) => tx.agentThread.create({ data: { id: 'thread-2', user: { connect: { id: 'dev-temp-b51e0c92' } } } }));
  return { snapshot, thread };
}
