/**
 * Every public door that can write a row referencing a user, behind one
 * shape, so boundary tests run the same cases through each. A door is built
 * from the options a caller controls (policy, environment) and saves one row
 * for a user; what it creates is read from the database afterwards.
 */
import type { PrismaClient } from '@agentstate/db';
import type { Logger } from '@agentstate/logger';
import type { Environment } from '@agentstate/policy';
import { createStatePersistence, type ProvisioningPolicyLike } from '@agentstate/state-persistence';

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

export const DOORS: readonly Door[] = [serviceDoor];
