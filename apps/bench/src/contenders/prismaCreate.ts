/**
 * 3. The cost of Prisma itself: a plain `create` with user and thread existing,
 * written through relation connects (never raw FK scalars, see tooling/fk-lint),
 * returning the row as Prisma does by default.
 */
import type { Prisma } from '@agentstate/db';
import { stateFor } from '../payloads';
import type { Contender } from '../measure';
import { ensureUsersWithThread, userOf } from './fixtures';
import { THREAD, type SaveContext } from './types';

export function prismaCreate({ backend, payload }: SaveContext): Contender {
  const prefix = 'bench-prisma';
  return {
    id: 'prisma-create',
    label: '3 Prisma create (connect)',
    setup: (concurrency) => ensureUsersWithThread(backend.sql, prefix, concurrency),
    async op({ worker, index }) {
      const userId = userOf(prefix, worker);
      await backend.prisma.agentStateSnapshot.create({
        data: {
          runId: `r-${index}`,
          state: stateFor(payload, index) as unknown as Prisma.InputJsonValue,
          metadata: {},
          user: { connect: { id: userId } },
          thread: { connect: { userId_id: { userId, id: THREAD } } },
        },
      });
    },
  };
}
