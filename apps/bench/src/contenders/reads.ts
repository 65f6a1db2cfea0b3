/**
 * Reads of the measured thread (see seed.ts): the newest snapshot, and the
 * first history page of 50, through raw SQL (the floor: the same index and
 * columns, rows decoded by pg), the service, LangGraph's PostgresSaver and our
 * LangGraph saver (AgentStateSaver, the same history written through its put).
 */
import type { Backend } from '../clients';
import type { Contender } from '../measure';
import { MEASURED } from '../seed';

const PAGE = 50;
const COLUMNS = 'id::text AS id, user_id, thread_id, run_id, parent_id::text AS parent_id, state, metadata, created_at';
const langgraphConfig = { configurable: { thread_id: MEASURED.langgraphThreadId, checkpoint_ns: '' } };
const agentStateConfig = { configurable: { thread_id: MEASURED.threadId, checkpoint_ns: '', user_id: MEASURED.userId } };

function saverOf(backend: Backend) {
  if (!backend.saver) throw new Error('LangGraph reads need PostgreSQL');
  return backend.saver;
}

export function latestReaders(backend: Backend): Contender[] {
  const saver = saverOf(backend);
  return [
    {
      id: 'raw-latest',
      label: '1 raw SELECT … LIMIT 1 (pg)',
      op: async () => {
        await backend.sql.query(`SELECT ${COLUMNS} FROM agent_state_snapshots WHERE user_id = $1 AND thread_id = $2 ORDER BY seq DESC LIMIT 1`, [
          MEASURED.userId,
          MEASURED.threadId,
        ]);
      },
    },
    {
      id: 'service-latest',
      label: '4 getLatest',
      op: async () => {
        await backend.service.getLatest({ userId: MEASURED.userId, threadId: MEASURED.threadId });
      },
    },
    {
      id: 'langgraph-latest',
      label: '6 LangGraph getTuple',
      op: async () => {
        await saver.getTuple(langgraphConfig);
      },
    },
    {
      id: 'agentstate-saver-latest',
      label: '7 AgentStateSaver getTuple (ours)',
      op: async () => {
        await backend.agentSaver.getTuple(agentStateConfig);
      },
    },
  ];
}

export function pageReaders(backend: Backend): Contender[] {
  const saver = saverOf(backend);
  return [
    {
      id: 'raw-page',
      label: `1 raw SELECT … LIMIT ${PAGE} (pg)`,
      op: async () => {
        await backend.sql.query(`SELECT ${COLUMNS} FROM agent_state_snapshots WHERE user_id = $1 AND thread_id = $2 ORDER BY seq DESC LIMIT ${PAGE}`, [
          MEASURED.userId,
          MEASURED.threadId,
        ]);
      },
    },
    {
      id: 'service-page',
      label: `4 listSnapshots (limit ${PAGE})`,
      op: async () => {
        await backend.service.listSnapshots({ userId: MEASURED.userId, threadId: MEASURED.threadId, limit: PAGE });
      },
    },
    {
      id: 'langgraph-page',
      label: `6 LangGraph list (limit ${PAGE})`,
      op: async () => {
        for await (const tuple of saver.list(langgraphConfig, { limit: PAGE })) void tuple;
      },
    },
    {
      id: 'agentstate-saver-page',
      label: `7 AgentStateSaver list (limit ${PAGE}, ours)`,
      op: async () => {
        for await (const tuple of backend.agentSaver.list(agentStateConfig, { limit: PAGE })) void tuple;
      },
    },
  ];
}

/**
 * Guards the benchmark: after seeding, every reader must see the same newest
 * state and a full page, or the figures would compare different work.
 */
export async function verifyReaders(backend: Backend, expectedStep: number, measuredRows: number): Promise<void> {
  const saver = saverOf(backend);
  const latest = await backend.service.getLatest<{ step: number }>({ userId: MEASURED.userId, threadId: MEASURED.threadId });
  const tuple = await saver.getTuple(langgraphConfig);
  const langgraphState = (tuple?.checkpoint.channel_values as { state?: { step?: number } } | undefined)?.state;
  const ours = await backend.agentSaver.getTuple(agentStateConfig);
  const oursState = (ours?.checkpoint.channel_values as { state?: { step?: number } } | undefined)?.state;
  if (latest?.state.step !== expectedStep || langgraphState?.step !== expectedStep || oursState?.step !== expectedStep) {
    throw new Error(
      `seeded history is inconsistent: newest step ${latest?.state.step} (service) / ${langgraphState?.step} (LangGraph) / ${oursState?.step} (AgentStateSaver), expected ${expectedStep}`,
    );
  }
  const page = await backend.service.listSnapshots({ userId: MEASURED.userId, threadId: MEASURED.threadId, limit: PAGE });
  let listed = 0;
  for await (const item of saver.list(langgraphConfig, { limit: PAGE })) if (item) listed++;
  let listedOurs = 0;
  for await (const item of backend.agentSaver.list(agentStateConfig, { limit: PAGE })) if (item) listedOurs++;
  const expected = Math.min(PAGE, measuredRows);
  if (page.items.length !== expected || listed !== expected || listedOurs !== expected) {
    throw new Error(`history page sizes ${page.items.length} / ${listed} / ${listedOurs}, expected ${expected}`);
  }
}
