/**
 * 3. The cost of Prisma itself: a plain `create` with user and thread existing,
 * written through relation connects (never raw FK scalars, see tooling/fk-lint).
 * `prisma-create` selects only the database-assigned columns (id, createdAt),
 * as the service returns; `prisma-create-full-row` returns the whole row as
 * Prisma does by default (the state read back: 100 KB on the wire again).
 */
import type { Prisma } from '@agentstate/db';
import { stateFor } from '../payloads';
import { ensureUsersWithThread, userOf } from './fixtures';
import { THREAD, type SaveContender, type SaveContext } from './types';

function createContender({ backend, payload }: SaveContext, spec: { id: string; label: string; prefix: string; wholeRow: boolean }): SaveContender {
  return {
    id: spec.id,
    label: spec.label,
    storedIn: { tables: 'agent_state_snapshots', userPrefix: `${spec.prefix}-` },
    setup: (concurrency) => ensureUsersWithThread(backend.sql, spec.prefix, concurrency),
    async op({ worker, index }) {
      const userId = userOf(spec.prefix, worker);
      const data = {
        runId: `r-${index}`,
        state: stateFor(payload, index) as unknown as Prisma.InputJsonValue,
        metadata: {},
        user: { connect: { id: userId } },
        thread: { connect: { userId_id: { userId, id: THREAD } } },
      };
      if (spec.wholeRow) await backend.prisma.agentStateSnapshot.create({ data });
      else await backend.prisma.agentStateSnapshot.create({ data, select: { id: true, createdAt: true } });
    },
  };
}

export function prismaCreate(context: SaveContext): SaveContender {
  return createContender(context, { id: 'prisma-create', label: '3 Prisma create (connect), select id + createdAt', prefix: 'bench-prisma', wholeRow: false });
}

export function prismaCreateFullRow(context: SaveContext): SaveContender {
  return createContender(context, { id: 'prisma-create-full-row', label: '3r Prisma create (connect), whole row returned', prefix: 'bench-prismarow', wholeRow: true });
}
