/**
 * 3x. The same create as `prisma-create` (connect form, select id + createdAt)
 * through a client extended with referenceProvisioning, in steady state: users
 * and threads exist and the extension has written for them once (setup), so
 * every timed create is Prisma's plain create behind the extension's hook.
 * environment 'production': nothing could be auto-created anyway. The
 * extended client is built once per backend, as an application would.
 */
import type { Prisma, PrismaClient } from '@agentstate/db';
import { silentLogger } from '@agentstate/logger';
import { referenceProvisioning } from '@agentstate/prisma-provisioning';
import { stateFor } from '../payloads';
import { ensureUsersWithThread, userOf } from './fixtures';
import { THREAD, type SaveContender, type SaveContext } from './types';

const extendedClients = new WeakMap<PrismaClient, ReturnType<typeof extend>>();
const extend = (base: PrismaClient) => base.$extends(referenceProvisioning({ environment: 'production', logger: silentLogger }));

function extendedClient(base: PrismaClient) {
  let client = extendedClients.get(base);
  if (!client) {
    client = extend(base);
    extendedClients.set(base, client);
  }
  return client;
}

export function prismaExtensionCreate({ backend, payload }: SaveContext): SaveContender {
  const prefix = 'bench-prismaext';
  const prisma = extendedClient(backend.prisma);
  const create = async (worker: number, index: number) => {
    const userId = userOf(prefix, worker);
    await prisma.agentStateSnapshot.create({
      data: {
        runId: `r-${index}`,
        state: stateFor(payload, index) as unknown as Prisma.InputJsonValue,
        metadata: {},
        user: { connect: { id: userId } },
        thread: { connect: { userId_id: { userId, id: THREAD } } },
      },
      select: { id: true, createdAt: true },
    });
  };
  return {
    id: 'prisma-extension-create',
    label: '3x Prisma create (connect) through referenceProvisioning, steady state',
    storedIn: { tables: 'agent_state_snapshots', userPrefix: `${prefix}-` },
    async setup(concurrency) {
      await ensureUsersWithThread(backend.sql, prefix, concurrency);
      // One write per client outside timing: the extension now knows these users and threads.
      for (let worker = 0; worker < concurrency; worker++) await create(worker, -1 - worker);
    },
    op: ({ worker, index }) => create(worker, index),
  };
}
