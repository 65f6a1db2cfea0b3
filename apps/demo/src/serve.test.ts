import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { countAllRows, describeEachDatabase, describePostgres } from '@agentstate/db/testing';
import { trackProcess } from '@agentstate/jest-config/processes';
import { silentLogger } from '@agentstate/logger';
import { parseServeArgs } from './args';
import { AuthConfigError } from './auth/errors';
import { createTokenVerifier } from './auth/verify';
import { BindRefusedError } from './bind';
import { planServe, serveWarnings, startServe } from './serve';
import type { RunningServer } from './server';
import { call, errorBody, unique } from './testing/http';
import { bearer, TEST_SECRET, testAuthConfig, tokenFor } from './testing/tokens';

const AUTH = { AUTH_JWT_SECRET: TEST_SECRET };

describe('planServe (before anything is opened)', () => {
  it('needs authentication configured, and --public for a host beyond loopback', () => {
    expect(() => planServe(parseServeArgs([]), {})).toThrow(AuthConfigError);
    expect(() => planServe(parseServeArgs(['--host', '0.0.0.0']), AUTH)).toThrow(BindRefusedError);
    expect(planServe(parseServeArgs([]), AUTH)).toMatchObject({ public: false, auth: { algorithms: ['HS256'] } });
    expect(planServe(parseServeArgs(['--host', '0.0.0.0', '--public']), AUTH)).toMatchObject({ public: true });
  });

  it('warns about a JWKS without audience, and about auto-creation on a public port', () => {
    const jwks = planServe(parseServeArgs([]), { AUTH_JWKS_URL: 'https://id.example/jwks' });
    expect(serveWarnings(jwks, 'production')).toEqual([expect.stringContaining('without AUTH_JWT_AUDIENCE')]);
    const open = planServe(parseServeArgs(['--host', '0.0.0.0', '--public']), AUTH);
    expect(serveWarnings(open, 'development')).toEqual([expect.stringContaining('listening beyond loopback in development')]);
    expect(serveWarnings(open, 'production')).toEqual([]);
  });
});

/** Runs `fn` with these process.env values (undefined deletes), then puts everything back. */
async function withProcessEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

// The environment comes from the process, as in production; `--env` may narrow it, never widen it.
describeEachDatabase('serve: the process environment decides, over HTTP', (db) => {
  const running: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(running.map((r) => r.close()));
  });

  async function serveUnder(processEnv: Record<string, string | undefined>, argv: string[]) {
    const args = parseServeArgs(['--port', '0', ...argv]);
    const started = await withProcessEnv(processEnv, () => startServe({ args, plan: planServe(args, AUTH), db: db(), logger: silentLogger }));
    running.push(started.running);
    return started;
  }

  async function postAs(server: RunningServer, userId: string) {
    return call(server.url, 'POST', `/users/${userId}/snapshots`, { threadId: 't', runId: 'r', state: {} }, bearer(await tokenFor(userId)));
  }

  const cases: Array<[string, Record<string, string | undefined>, string[]]> = [
    ['AGENT_STATE_ENV=production', { AGENT_STATE_ENV: 'production' }, []],
    ['AGENT_STATE_ENV=production, --env development', { AGENT_STATE_ENV: 'production' }, ['--env', 'development']],
    ['NODE_ENV=production, --env test', { AGENT_STATE_ENV: undefined, NODE_ENV: 'production' }, ['--env', 'test']],
  ];
  it.each(cases)('%s: a dev-temp- subject gets 403 PROVISIONING_REFUSED; only the refusal audit row is written', async (_label, processEnv, argv) => {
    const { running: server, service } = await serveUnder(processEnv, argv);
    expect(service.environment).toBe('production');
    const userId = unique('dev-temp-');
    const before = await countAllRows(db().prisma);
    const res = await postAs(server, userId);
    expect(res.status).toBe(403);
    expect(res.json).toEqual(errorBody('PROVISIONING_REFUSED', expect.stringContaining(userId)));
    expect(await countAllRows(db().prisma)).toEqual({ ...before, user_provisioning_audit: (before.user_provisioning_audit ?? 0) + 1 });
    const audit = await db().prisma.userProvisioningAudit.findMany({ where: { subjectId: userId } });
    expect(audit.map((r) => [r.outcome, r.environment])).toEqual([['refused', 'production']]);
  });

  it('AGENT_STATE_ENV=staging, --env development: the dev-temp- user must exist (404); only the refusal audit row is written', async () => {
    const { running: server, service } = await serveUnder({ AGENT_STATE_ENV: 'staging' }, ['--env', 'development']);
    expect(service.environment).toBe('staging');
    const userId = unique('dev-temp-');
    const before = await countAllRows(db().prisma);
    expect(await postAs(server, userId)).toMatchObject({ status: 404, json: errorBody('UNKNOWN_USER') });
    expect(await countAllRows(db().prisma)).toEqual({ ...before, user_provisioning_audit: (before.user_provisioning_audit ?? 0) + 1 });
    expect(await db().prisma.user.count({ where: { id: userId } })).toBe(0);
  });

  it('AGENT_STATE_ENV=development: the same request creates the user (the path works)', async () => {
    const { running: server, service } = await serveUnder({ AGENT_STATE_ENV: 'development' }, []);
    expect(service.environment).toBe('development');
    expect(await postAs(server, unique('dev-temp-'))).toMatchObject({ status: 201, json: { provisioning: 'created' } });
  });
});

// The CLI itself, as an operator runs it: a child process, never the environment's DATABASE_URL.
const PACKAGE_ROOT = join(__dirname, '..');
const TSX_CLI = require.resolve('tsx/cli');

interface Child {
  exit: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: () => void;
}

function runCli(argv: string[], env: Record<string, string>): Child {
  // A clean environment: only what the test sets (no DATABASE_URL, NODE_ENV or AUTH_* of this process).
  const child = spawn(process.execPath, [TSX_CLI, '--conditions=@agentstate/source', 'src/main.ts', ...argv], {
    cwd: PACKAGE_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', PGLITE_DATA_DIR: 'memory://', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // recorded for the run's global teardown check: a CLI left serving fails the run
  trackProcess({ pid: child.pid!, what: `demo CLI (${argv.join(' ')})` });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return {
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    stdout: () => out,
    stderr: () => err,
    kill: () => child.kill('SIGTERM'),
  };
}

async function waitFor(predicate: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the CLI refuses to start misconfigured (exit 2, one line, nothing opened)', () => {
  const cases: Array<[string, string[], Record<string, string>, string]> = [
    ['no AUTH_* at all', ['serve'], {}, 'error AUTH_NOT_CONFIGURED: '],
    ['a short secret', ['serve'], { AUTH_JWT_SECRET: 'short' }, 'error AUTH_SECRET_TOO_SHORT: '],
    ['a secret and a JWKS', ['serve'], { ...AUTH, AUTH_JWKS_URL: 'https://id.example/jwks' }, 'error AUTH_CONFLICTING_KEYS: '],
    ['a JWKS over plain http to another host', ['serve'], { AUTH_JWKS_URL: 'http://id.example/jwks' }, 'error AUTH_JWKS_URL_INVALID: '],
    ['--host 0.0.0.0 without --public', ['serve', '--host', '0.0.0.0'], AUTH, 'error PUBLIC_BIND_NOT_CONFIRMED: '],
    ['dev-token in production', ['dev-token', 'dev-temp-a'], { ...AUTH, AGENT_STATE_ENV: 'production' }, 'error DEV_TOKEN_NOT_DEVELOPMENT: '],
  ];
  it.each(cases)('%s', async (_label, argv, env, message) => {
    const child = runCli(argv, env);
    expect(await child.exit).toBe(2);
    expect(child.stderr()).toContain(message);
    expect(child.stdout()).toBe('');
  }, 30_000);

  it('dev-token prints only a token the server accepts', async () => {
    const child = runCli(['dev-token', 'dev-temp-cli', '--ttl', '60'], { ...AUTH, AGENT_STATE_ENV: 'development' });
    expect(await child.exit).toBe(0);
    const token = child.stdout().trim();
    expect(await (await createTokenVerifier(testAuthConfig())).verify(token)).toMatchObject({ subject: 'dev-temp-cli' });
  }, 30_000);
});

describePostgres('the CLI: serve --env development in a production process', (db) => {
  it('refuses a dev-temp- subject (403) and writes only the refusal audit row', async () => {
    const url = db().url;
    if (url === undefined) throw new Error('the PostgreSQL test database has no URL');
    const child = runCli(['serve', '--port', '0', '--env', 'development'], { ...AUTH, AGENT_STATE_ENV: 'production', DATABASE_URL: url });
    try {
      await waitFor(() => /listening on (http:\S+)/.test(child.stdout()), 30_000, () => child.stdout() + child.stderr());
      const base = /listening on (http:\S+)/.exec(child.stdout())?.[1] ?? '';
      expect(child.stdout()).toContain('(environment: production;');
      const userId = unique('dev-temp-');
      const before = await countAllRows(db().prisma);
      const res = await call(base, 'POST', `/users/${userId}/snapshots`, { threadId: 't', runId: 'r', state: {} }, bearer(await tokenFor(userId)));
      expect(res).toMatchObject({ status: 403, json: errorBody('PROVISIONING_REFUSED') });
      expect(await call(base, 'GET', `/users/${userId}/snapshots`)).toMatchObject({ status: 401 });
      expect(await countAllRows(db().prisma)).toEqual({ ...before, user_provisioning_audit: (before.user_provisioning_audit ?? 0) + 1 });
    } finally {
      child.kill();
    }
    expect(await child.exit).toBe(0);
  }, 60_000);
});
