import { loadDataModel } from '@agentstate/db';
import { createMemoryLogger } from '@agentstate/logger';
import { setUpDoor, doorEnvironment } from './door';
import type { Queryable } from './queryable';

/** Set-up only: nothing here sends a statement. */
const nowhere: Queryable = { rows: () => Promise.reject(new Error('no statement expected')) };

async function withProcessEnvironment<T>(variables: Record<string, string>, run: () => Promise<T> | T): Promise<T> {
  const saved = { ...process.env };
  try {
    delete process.env.NODE_ENV;
    delete process.env.AGENT_STATE_ENV;
    Object.assign(process.env, variables);
    return await run();
  } finally {
    process.env = saved;
  }
}

describe('a door set up once for every door: options -> environment -> policy -> data model -> write path', () => {
  it('doorEnvironment logs a warning when the option is overruled', async () => {
    await withProcessEnvironment({ AGENT_STATE_ENV: 'production' }, async () => {
      const { logger, lines } = createMemoryLogger({ level: 'warn' });
      expect(doorEnvironment('development', logger)).toBe('production');
      await new Promise((resolve) => setImmediate(resolve));
      expect(lines).toEqual([expect.objectContaining({ level: 'warn', message: 'environment option narrowed', requested: 'development', environment: 'production' })]);
    });
  });

  it('every door gets the one default data model (parsed once per process), unless it brings its own', () => {
    const { logger } = createMemoryLogger();
    const service = setUpDoor('snapshot', { logger }, { loggerService: 'state-persistence' });
    const saver = setUpDoor('langgraph', { logger }, { loggerService: 'langgraph-saver' });
    expect(saver.dataModel).toBe(service.dataModel);
    const own = loadDataModel();
    expect(setUpDoor('prisma-extension', { logger, dataModel: own }, { loggerService: 'prisma-provisioning' }).dataModel).toBe(own);
  });

  it("narrows the door's environment once, at set-up, and its write paths decide for it", async () => {
    await withProcessEnvironment({ AGENT_STATE_ENV: 'staging' }, () => {
      const { logger } = createMemoryLogger();
      const door = setUpDoor('snapshot', { logger, environment: 'development' }, { loggerService: 'state-persistence' });
      process.env.AGENT_STATE_ENV = 'development';
      const writePath = door.writePath(nowhere);
      expect([door.environment, writePath.environment]).toEqual(['staging', 'staging']);
      const prepared = writePath.prepare(writePath.plan('AgentStateSnapshot', ['userId', 'threadId']), { userId: 'dev-temp-a', threadId: 't' });
      expect(prepared.decided).toMatchObject({ kind: 'write', userMayBeCreated: false, decision: { code: 'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED' } });
    });
  });

  it("uses the door's reference rules for its plans (a start-up check names a relation without one)", () => {
    const { logger } = createMemoryLogger();
    const door = setUpDoor('prisma-extension', { logger, referenceRules: { User: { kind: 'policy' } } }, { loggerService: 'prisma-provisioning' });
    expect(() => door.writePath(nowhere).plan('AgentStateSnapshot', ['userId', 'threadId'])).toThrow(/thread -> AgentThread/);
  });
});
