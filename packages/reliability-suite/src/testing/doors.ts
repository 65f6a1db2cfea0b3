/**
 * Every public door that can write a row referencing a user, behind one
 * shape, so boundary tests run the same cases through each. A door is built
 * from the options a caller controls (policy, environment) and saves one row
 * for a user; what it creates is read from the database afterwards.
 */
import type { PrismaClient } from '@agentstate/db';
import type { Logger } from '@agentstate/logger';
import type { Environment } from '@agentstate/policy';
import { createAgentStateSaver } from '@agentstate/langgraph';
import { referenceProvisioning } from '@agentstate/prisma-provisioning';
import { createStatePersistence, type ProvisioningPolicyLike } from '@agentstate/state-persistence';
import { emptyCheckpoint } from '@langchain/langgraph-checkpoint';

export interface DoorOptions {
  prisma: PrismaClient;
  logger: Logger;
  policy?: ProvisioningPolicyLike;
  environment?: Environment;
}

export interface Door {
  name: string;
  /** writes one row for `userId` in thread `threadId`; throws the door's typed error when refused */
  open(options: DoorOptions): { save(userId: string, threadId: string): Promise<unknown> };
}

export const serviceDoor: Door = {
  name: 'saveSnapshot',
  open: ({ prisma, logger, policy, environment }) => {
    const service = createStatePersistence({ prisma, logger, ...(policy ? { policy } : {}), ...(environment ? { environment } : {}) });
    return { save: (userId, threadId) => service.saveSnapshot({ userId, threadId, runId: 'r', state: { step: 1 } }) };
  },
};

/** The LangGraph saver (@agentstate/langgraph): a checkpoint put for the user in configurable.user_id. */
export const langgraphDoor: Door = {
  name: 'AgentStateSaver.put',
  open: ({ prisma, logger, policy, environment }) => {
    const saver = createAgentStateSaver({ prisma, logger, ...(policy ? { policy } : {}), ...(environment ? { environment } : {}) });
    return {
      save: (userId, threadId) => saver.put({ configurable: { thread_id: threadId, user_id: userId } }, emptyCheckpoint(), { source: 'input', step: -1, parents: {} }, {}),
    };
  },
};

/** The Prisma extension (@agentstate/prisma-provisioning): a plain Prisma create through the extended client. */
export const prismaExtensionDoor: Door = {
  name: 'Prisma create (referenceProvisioning)',
  open: ({ prisma, logger, policy, environment }) => {
    const extended = prisma.$extends(referenceProvisioning({ logger, ...(policy ? { policy } : {}), ...(environment ? { environment } : {}) }));
    return {
      save: (userId, threadId) =>
        extended.agentStateSnapshot.create({
          data: { runId: 'r', state: { step: 1 }, user: { connect: { id: userId } }, thread: { connect: { userId_id: { userId, id: threadId } } } },
          select: { id: true },
        }),
    };
  },
};

export const DOORS: readonly Door[] = [serviceDoor, langgraphDoor, prismaExtensionDoor];
