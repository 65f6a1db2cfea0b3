import { spawn, spawnSync } from 'node:child_process';
import { trackProcess } from '@agentstate/jest-config/processes';

export interface Ran {
  command: string;
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * pnpm as the test was started with it: when turbo runs `pnpm run test`, pnpm
 * sets npm_execpath to its own CLI, so no pnpm on PATH is needed.
 */
export function pnpmCommand(): [string, string[]] {
  const execpath = process.env.npm_execpath;
  if (!execpath || !/pnpm/.test(execpath)) return ['pnpm', []];
  // a JavaScript entry (pnpm.cjs) runs under node; newer pnpm builds are a native executable
  return /\.[cm]?js$/.test(execpath) ? [process.execPath, [execpath]] : [execpath, []];
}

/** An environment without anything that points at the user's own setup. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
  for (const key of ['DATABASE_URL', 'DIRECT_DATABASE_URL', 'PGLITE_DATA_DIR', 'AGENT_STATE_ENV', 'NODE_ENV', 'BENCH_DATABASE_URL', 'JEST_WORKER_ID', 'npm_config_user_agent']) delete env[key];
  return { ...env, ...extra };
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 300_000): Ran {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { command: [command, ...args].join(' '), status: result.status, stdout: result.stdout ?? '', stderr: `${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}`, ms: Date.now() - started };
}

export function pnpm(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs?: number): Ran {
  const [command, prefix] = pnpmCommand();
  return run(command, [...prefix, ...args], cwd, env, timeoutMs);
}

/** The tail of a command's output, for a failure message. */
export function tail(ran: Ran, lines = 25): string {
  return `$ ${ran.command} -> exit ${ran.status} in ${ran.ms} ms\n${`${ran.stdout}\n${ran.stderr}`.trim().split('\n').slice(-lines).join('\n')}`;
}

/**
 * Starts a server command, waits for the line announcing its URL, returns the
 * URL and a stop function (SIGTERM, then the exit code).
 */
export async function startServer(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ url: string; stop(): Promise<number | null>; output(): string }> {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // its own process group (pnpm runs the server as a child): recorded for the run's global teardown check
  trackProcess({ pid: child.pid!, what: `server: ${command} ${args.join(' ')}`, group: true });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-(child.pid as number), 'SIGTERM'); // do not leave it starting
      reject(new Error(`no "listening on" line within 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', (code) => resolve(code));
        // the whole process group: pnpm runs the server as a child
        process.kill(-(child.pid as number), 'SIGTERM');
      }),
  };
}
