// `pnpm --filter @agentstate/bench run profile:client [-- --ops 200000]`
// The service's own client CPU per save, with nothing else in the way: the
// service runs over a SQL runner that answers at once (no database, no
// driver, no network), so what is left is validation, the policy decision,
// encoding, building the statement and the write path's bookkeeping. Beside
// it, the least a caller does for one row: JSON.stringify and one call to the
// same runner. Steady saves (user and thread known) and first saves (a new
// dev user each time, the ensure statement built) at 1 KB and 100 KB, and the
// steady save with an OpenTelemetry SDK registered as the bench's 4o has one.
// Deterministic enough to compare commits (CPU time, one process, no I/O);
// the database-bound figures are `pnpm bench`'s.
import { createPrismaClient, type SqlRunner } from '@agentstate/db';
import { createLogger } from '@agentstate/logger';
import { createStatePersistence } from '@agentstate/state-persistence';
import { Writable } from 'node:stream';
import { benchTelemetry } from '../clients';
import { makePayload, type Payload } from '../payloads';

/** What the statements ask for: a written row, and on the ensure path its outcome (the user created). */
function answeringRunner(): SqlRunner {
  return {
    async query<Row>(_text: string, values: readonly unknown[]): Promise<Row[]> {
      const userId = values.find((v) => typeof v === 'string' && v.startsWith('dev-temp-'));
      const created = userId === undefined ? [] : [userId];
      const row = { id: '0192f7c4-8a3b-4c5d-9e6f-123456789abc', created_ms: '1764300000000', ensure_missing: [], ensure_door_ok: true, ensure_user_created: created.length > 0, ensure_created: created };
      return [row as Row];
    },
  };
}

async function measure(ops: number, op: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(ops / 10, 20_000); i++) await op(-1 - i); // JIT warm-up
  const before = process.cpuUsage();
  for (let i = 0; i < ops; i++) await op(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / ops;
}

async function main(argv: readonly string[]) {
  const opsFlag = argv.indexOf('--ops');
  const ops = opsFlag >= 0 ? Number(argv[opsFlag + 1]) : 100_000;
  if (!Number.isInteger(ops) || ops <= 0) throw new Error('--ops needs a positive integer');
  // Auto-creation needs the process itself to say development (the service's option can only narrow it).
  process.env.AGENT_STATE_ENV ??= 'development';
  const prisma = await createPrismaClient({ config: { provider: 'pglite', dataDir: 'memory://' }, migrate: false });
  try {
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const sql = answeringRunner();
    console.log(`client CPU per save (µs), ${ops} saves each, the database answering at once`);
    for (const payload of [makePayload('1KB', 1024), makePayload('100KB', 100 * 1024)] as Payload[]) {
      const n = payload.label === '1KB' ? ops : Math.max(1, Math.floor(ops / 50));
      const service = createStatePersistence({ prisma: prisma.prisma, sql, environment: 'development', groupCommit: false, logger: createLogger({ service: 'bench', stream: sink }) });
      const state = (i: number) => payload.variants[Math.abs(i) % payload.variants.length];
      const traced = createStatePersistence({ prisma: prisma.prisma, sql, environment: 'development', groupCommit: false, logger: createLogger({ service: 'bench', stream: sink }), telemetry: benchTelemetry() });
      const raw = await measure(n, (i) => sql.query('INSERT', ['bench-user', 'thread-1', `r-${i}`, JSON.stringify(state(i))]));
      const steadySave = (s: typeof service) => async (i: number) => s.saveSnapshot({ userId: 'dev-temp-steady', threadId: 'thread-1', runId: `r-${i}`, state: state(i) });
      const steady = await measure(n, steadySave(service));
      const withOtel = await measure(n, steadySave(traced));
      let user = 0;
      const first = await measure(n, (i) => service.saveSnapshot({ userId: `dev-temp-${++user}`, threadId: 'thread-1', runId: `r-${i}`, state: state(i) }));
      console.log(
        `${payload.label.padEnd(6)} raw (stringify + call) ${raw.toFixed(1).padStart(6)}   steady save ${steady.toFixed(1).padStart(6)}   steady, OpenTelemetry SDK ${withOtel.toFixed(1).padStart(6)}   first save ${first.toFixed(1).padStart(6)}`,
      );
    }
  } finally {
    await prisma.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
