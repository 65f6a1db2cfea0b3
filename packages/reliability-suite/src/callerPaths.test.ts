/**
 * The production boundary through the paths a caller can actually take: a
 * policy object of their own that always says "create", an `environment`
 * option that claims development, environment variables that disagree, in
 * processes whose environment is production, staging or unset. Each case
 * goes through every public door and the database; "user rows created" is
 * counted by the ids concerned, not as a table total.
 */
import { describeEachDatabase } from '@agentstate/db/testing';
import { createMemoryLogger } from '@agentstate/logger';
import { createProvisioningPolicy, type Environment, type ProvisioningDecision } from '@agentstate/policy';
import { ProvisioningRefusedError, StatePersistenceError, UnknownUserError, type ProvisioningPolicyLike } from '@agentstate/state-persistence';
import { recordFigure } from './figures/figures';
import { DOORS } from './testing/doors';
import { unique } from './testing/helpers';

/** A caller's policy that creates anything, anywhere: the laxest object a caller could pass. */
const alwaysCreate: ProvisioningPolicyLike = {
  decide: (request, context): ProvisioningDecision => ({
    kind: 'create-if-missing',
    entity: request.entity,
    id: String(request.id),
    code: 'AUTO_CREATE_ALLOWED',
    reason: 'this policy creates everyone',
    environment: context.environment,
    match: { prefix: '', label: 'everyone' },
    defaults: { role: 'developer', email: `${String(request.id)}@example.invalid`, autoProvisioned: true },
  }),
};

/** A policy that claims the environment is development, whatever it is asked for. */
const lyingAboutEnvironment: ProvisioningPolicyLike = {
  decide: (request) => createProvisioningPolicy().decide(request, { environment: 'development' }),
};

interface CallerPath {
  name: string;
  /** the process environment while the door is created */
  env: { AGENT_STATE_ENV?: string; NODE_ENV?: string };
  policy?: ProvisioningPolicyLike;
  environment?: Environment;
}

const PATHS: readonly CallerPath[] = [
  { name: 'production process, environment option "development"', env: { AGENT_STATE_ENV: 'production' }, environment: 'development' },
  { name: 'production process, environment option "test"', env: { NODE_ENV: 'production' }, environment: 'test' },
  { name: 'production process, a policy that always creates', env: { AGENT_STATE_ENV: 'production' }, policy: alwaysCreate },
  { name: 'production process, always-create policy and option "development"', env: { AGENT_STATE_ENV: 'production' }, policy: alwaysCreate, environment: 'development' },
  { name: 'production process, a policy that claims development', env: { AGENT_STATE_ENV: 'production' }, policy: lyingAboutEnvironment },
  { name: 'AGENT_STATE_ENV=production, NODE_ENV=development', env: { AGENT_STATE_ENV: 'production', NODE_ENV: 'development' } },
  { name: 'staging process, always-create policy and option "development"', env: { AGENT_STATE_ENV: 'staging' }, policy: alwaysCreate, environment: 'development' },
  { name: 'unset environment, always-create policy', env: {}, policy: alwaysCreate },
  { name: 'unset environment, environment option "development"', env: {}, environment: 'development' },
  { name: 'unknown environment value ("Production")', env: { AGENT_STATE_ENV: 'Production' }, policy: alwaysCreate },
];

const ID_PREFIXES = ['dev-temp-', 'test-', 'customer-'] as const;

function withProcessEnv<T>(env: CallerPath['env'], fn: () => T): T {
  const saved = { AGENT_STATE_ENV: process.env.AGENT_STATE_ENV, NODE_ENV: process.env.NODE_ENV };
  delete process.env.AGENT_STATE_ENV;
  delete process.env.NODE_ENV;
  Object.assign(process.env, env);
  try {
    return fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describeEachDatabase('the production boundary through every caller path and door', (db, kind) => {
  it(`${PATHS.length} caller paths x ${DOORS.length} door(s) x ${ID_PREFIXES.length} ids: no user row created, every save a typed refusal`, async () => {
    const { prisma } = db();
    const ids: string[] = [];
    const wrong: string[] = [];
    let refusals = 0;
    for (const path of PATHS) {
      for (const door of DOORS) {
        const { logger } = createMemoryLogger({ level: 'error' });
        // the door captures the process environment when it is created, as in an app's start-up
        const opened = withProcessEnv(path.env, () => door.open({ prisma, logger, ...(path.policy ? { policy: path.policy } : {}), ...(path.environment ? { environment: path.environment } : {}) }));
        for (const prefix of ID_PREFIXES) {
          const userId = unique(prefix);
          ids.push(userId);
          try {
            await opened.save(userId, 'thread-1');
            wrong.push(`${path.name} / ${door.name} / ${userId}: saved`);
          } catch (error) {
            const typed = error instanceof ProvisioningRefusedError || error instanceof UnknownUserError;
            if (typed) refusals++;
            else wrong.push(`${path.name} / ${door.name} / ${userId}: ${error instanceof StatePersistenceError ? error.code : String(error)}`);
          }
        }
      }
    }
    const created = await prisma.user.findMany({ where: { id: { in: ids } }, select: { id: true } });
    const threads = await prisma.agentThread.count({ where: { userId: { in: ids } } });
    recordFigure(__filename, {
      key: `callerPaths.${kind}`,
      summary: `${PATHS.length} caller paths (own always-create policy, environment option "development", conflicting environment variables; production, staging, unset) x ${DOORS.map((d) => d.name).join(', ')} x ${ID_PREFIXES.length} ids [${kind}]: ${created.length} user rows created for those ${ids.length} ids, ${refusals} typed refusals, ${wrong.length} other outcomes`,
      values: { paths: PATHS.length, doors: DOORS.length, ids: ids.length, usersCreated: created.length, refusals, wrong: wrong.length },
    });
    expect(wrong).toEqual([]);
    expect(created).toEqual([]);
    expect(threads).toBe(0);
    expect(refusals).toBe(ids.length);
  }, 120_000);

  it('the same always-create policy does create in a development process (the test can see a creation)', async () => {
    const { prisma } = db();
    const { logger } = createMemoryLogger({ level: 'error' });
    for (const door of DOORS) {
      const opened = withProcessEnv({ AGENT_STATE_ENV: 'development' }, () => door.open({ prisma, logger, policy: alwaysCreate }));
      const userId = unique('customer-');
      await opened.save(userId, 'thread-1');
      expect(await prisma.user.count({ where: { id: userId } })).toBe(1);
    }
  });
});
