// `pnpm --filter @agentstate/bench run profile:cpu [-- --payload 100KB --ops 800 --concurrency 16]`
// Where the client-side CPU of a save goes: runs steady-state saveSnapshot,
// LangGraph's put and the raw INSERT under V8's sampling profiler (one after
// the other, on a fresh database that is dropped afterwards) and prints CPU
// milliseconds per operation by component. Throughput at 16 clients on 2 cores
// is bounded by CPU per operation, so this names what to cut. V8 samples on
// wall-clock ticks, so time inside syscalls (writev) includes waiting for a
// core: read the JavaScript components' proportions, and take absolute CPU
// per op from the bench's "client CPU ms/op" column (process.cpuUsage).
import { Session } from 'node:inspector/promises';
import { openPostgresBackend } from '../clients';
import { agentStateSaverPut } from '../contenders/agentStateSaverPut';
import { langgraphPut } from '../contenders/langgraphPut';
import { rawInsert } from '../contenders/rawInsert';
import { serviceSteady } from '../contenders/serviceSteady';
import { createBenchDatabase, serverUrl } from '../database';
import type { Contender } from '../measure';
import { makePayload } from '../payloads';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Component of a stack frame, by where its code lives. */
function componentOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)' || functionName === '(program)') return functionName;
    return `native ${functionName || '(anonymous)'}`; // JSON.parse / JSON.stringify / RegExp …
  }
  if (url.includes('/state-persistence/src/stateCodec')) return 'service: state encode/decode';
  if (url.includes('/state-persistence/src/')) return 'service: other';
  if (url.includes('/write-path/src/')) return 'write path';
  if (url.includes('/policy/src/')) return 'policy';
  if (url.includes('/generated/prisma/')) return 'Prisma generated client';
  if (url.includes('@prisma/client')) return 'Prisma client runtime';
  if (url.includes('@prisma/adapter-pg') || url.includes('driver-adapter-utils')) return 'Prisma adapter-pg';
  if (url.includes('@langchain/')) return 'LangGraph (checkpoint serde, saver)';
  if (url.includes('/langgraph/src/')) return 'AgentStateSaver';
  if (url.includes('/pg-protocol/') || url.includes('/pg/') || url.includes('/pg-pool/') || url.includes('/pg-types/')) return 'pg driver';
  if (url.includes('winston') || url.includes('logform')) return 'logger';
  if (url.startsWith('node:')) return 'node internals (net, streams, timers)';
  return 'other';
}

function parseFlags(argv: readonly string[]) {
  const flags = { payload: '1KB', ops: 1600, concurrency: 16 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--') continue;
    if (flag === '--payload' && value) flags.payload = value;
    else if (flag === '--ops' && value) flags.ops = Number(value);
    else if (flag === '--concurrency' && value) flags.concurrency = Number(value);
    else throw new Error(`unknown or incomplete flag ${flag}`);
    i++;
  }
  return flags;
}

async function profileOne(session: Session, contender: Contender, ops: number, concurrency: number) {
  await contender.setup?.(concurrency);
  let index = 0;
  const run = async (count: number) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (started < count) {
          started++;
          await contender.op({ worker, index: index++ });
        }
      }),
    );
  };
  await run(Math.min(200, ops)); // warm-up: JIT, connections
  await session.post('Profiler.start');
  const t0 = performance.now();
  await run(ops);
  const wallMs = performance.now() - t0;
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id);
    if (!node) return;
    const component = componentOf(node.callFrame);
    ms.set(component, (ms.get(component) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return { wallMs, ms };
}

async function main(argv: readonly string[]) {
  const flags = parseFlags(argv);
  // As in main.ts: the saver's contender writes for a dev user, which only a development process may create.
  if (process.env.AGENT_STATE_ENV === undefined && process.env.NODE_ENV === undefined) process.env.AGENT_STATE_ENV = 'development';
  const bytes = Number.parseInt(flags.payload, 10) * 1024;
  const payload = makePayload(flags.payload, bytes);
  const database = await createBenchDatabase(serverUrl());
  try {
    const backend = await openPostgresBackend(database.url, flags.concurrency);
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    try {
      let n = 0;
      const context = { backend, payload, nextId: () => ++n };
      console.log(`client CPU per op by component (ms), ${flags.ops} ops at ${flags.concurrency} clients, ${payload.label} state (${payload.bytes} B)`);
      for (const contender of [serviceSteady(context), agentStateSaverPut(context), langgraphPut(context), rawInsert(context)]) {
        const { wallMs, ms } = await profileOne(session, contender, flags.ops, flags.concurrency);
        const busy = [...ms].filter(([k]) => k !== '(idle)').reduce((sum, [, v]) => sum + v, 0);
        console.log(`\n${contender.label}: ${((flags.ops * 1000) / wallMs).toFixed(0)} ops/s, busy ${(busy / flags.ops).toFixed(3)} ms/op`);
        for (const [component, total] of [...ms].sort((a, b) => b[1] - a[1])) {
          if (component === '(idle)' || total / flags.ops < 0.005) continue;
          console.log(`  ${(total / flags.ops).toFixed(3).padStart(7)}  ${component}`);
        }
      }
    } finally {
      session.disconnect();
      await backend.close();
    }
  } finally {
    await database.drop();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
