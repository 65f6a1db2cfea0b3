import path from 'node:path';

export const USAGE = `usage: tsx src/main.ts [--quick] [--only reads|storage] [--rtt <ms>[,<ms>…]] [--out <file>] [--warmup <ops>]
  --quick         smoke run (about a minute): few iterations, 1KB/10KB states, 1k/2k history rows, still both distances
  --rtt <ms,…>    round-trip times to measure at (default 0,1): 0 connects directly (loopback); any other
                  value runs every PostgreSQL scenario again through a delay link adding that round trip
                  (half each way). Repeat the flag or list them: --rtt 0,0.5 --rtt 2
  --only reads    only the read-cost scenario: each read beside its raw floor at 1 KB/100 KB/1 MB, 1 and 16 clients
                  (loopback; --rtt and --warmup do not apply)
  --only storage  only the growing-state storage scenario (stored bytes per workload at 200 and 1,000 saves; the chat workload's save and getLatest timed in rounds) and its targets
  --out <file>    where to write the JSON figures (default: apps/bench/results/latest.json)
  --warmup <ops>  warm-up operations per contender in the first scenario (default 3000; quick 3;
                  never fewer than that scenario's own warm-up batch: 20, quick 3)
Server: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres; DATABASE_URL is never used); a fresh database is created and dropped.`;

export class UsageError extends Error {}

export interface BenchArgs {
  quick: boolean;
  out: string;
  help: boolean;
  /** overrides the settings' jitWarmupOps */
  warmup?: number;
  /** overrides the settings' round-trip times (ms, ascending, no duplicates) */
  rtts?: number[];
  /** run only this part */
  only?: 'storage' | 'reads';
}

export const DEFAULT_OUT = path.resolve(__dirname, '..', 'results', 'latest.json');

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { quick: false, out: DEFAULT_OUT, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue; // `pnpm run bench -- --quick` may pass it through
    else if (arg === '--quick') args.quick = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--only') {
      const value = argv[++i];
      if (value !== 'reads' && value !== 'storage') throw new UsageError('--only takes: reads, storage');
      args.only = value;
    }
    else if (arg === '--out') {
      const value = argv[++i];
      if (!value) throw new UsageError('--out needs a file path');
      args.out = path.resolve(value);
    } else if (arg === '--warmup') {
      const value = argv[++i];
      if (!value || !/^\d+$/.test(value)) throw new UsageError('--warmup needs a whole number of operations');
      args.warmup = Number(value);
    } else if (arg === '--rtt') {
      const value = argv[++i];
      const rtts = value?.split(',').map((x) => x.trim()) ?? [];
      if (rtts.length === 0 || !rtts.every((x) => /^\d+(\.\d+)?$/.test(x) && Number(x) <= 1000)) {
        throw new UsageError('--rtt needs round-trip times in milliseconds, from 0 to 1000, comma-separated (e.g. --rtt 0,1)');
      }
      args.rtts = [...new Set([...(args.rtts ?? []), ...rtts.map(Number)])].sort((a, b) => a - b);
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  return args;
}
