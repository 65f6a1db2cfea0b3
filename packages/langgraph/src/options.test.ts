import type { PrismaClient } from '@agentstate/db';
import { silentLogger } from '@agentstate/logger';
import type { Telemetry } from '@agentstate/write-path';
import { createAgentStateSaver } from './index';

const fakePrisma = { $queryRaw: async () => [] } as unknown as PrismaClient;

describe('createAgentStateSaver options', () => {
  it('fails at start-up on a typo, a wrong environment or a malformed defaultUserId', () => {
    expect(() => createAgentStateSaver({ prisma: fakePrisma, enviroment: 'production' } as never)).toThrow(/unknown option\(s\) enviroment/);
    expect(() => createAgentStateSaver({ prisma: fakePrisma, environment: 'prod' as never })).toThrow(/environment/);
    expect(() => createAgentStateSaver({ prisma: fakePrisma, defaultUserId: 'has space' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => createAgentStateSaver(undefined as never)).toThrow(/needs \{ prisma \}/);
    expect(() => createAgentStateSaver({ prisma: fakePrisma, forkPolicy: 'never' as never })).toThrow(/forkPolicy/);
    expect(() => createAgentStateSaver({ prisma: fakePrisma, threadLockTimeoutMs: 0 })).toThrow(/threadLockTimeoutMs/);
    expect(() => createAgentStateSaver({ prisma: fakePrisma, groupCommit: { maxBatch: 0 } })).toThrow(/groupCommit.maxBatch/);
    expect(() => createAgentStateSaver({ prisma: fakePrisma, groupCommit: { maxBatchSize: 8 } as never })).toThrow(/unknown option maxBatchSize/);
    expect(() => createAgentStateSaver({ prisma: fakePrisma, groupCommit: true as never })).toThrow(/groupCommit/);
  });

  it('may narrow the environment, never widen it (AGENT_STATE_ENV/NODE_ENV of this process: test)', () => {
    expect(createAgentStateSaver({ prisma: fakePrisma, environment: 'production', logger: silentLogger }).environment).toBe('production');
    expect(createAgentStateSaver({ prisma: fakePrisma, logger: silentLogger }).environment).toBe('test');
  });

  it("records its writes through the write path's telemetry as door 'langgraph'", async () => {
    const doors: string[] = [];
    const telemetry: Telemetry = {
      traced: (_operation, door, _attributes, fn) => {
        doors.push(`traced:${door}`);
        return fn(null);
      },
      save: (door, status) => doors.push(`save:${door}:${status}`),
      annotate: () => undefined,
      saveDuration: () => undefined,
      refusal: (door) => doors.push(`refusal:${door}`),
      foreignKeyViolation: () => undefined,
      retry: () => undefined,
    };
    const saver = createAgentStateSaver({ prisma: fakePrisma, environment: 'production', logger: silentLogger, telemetry });
    // a dev id in production is refused before any statement (the refusal's audit row fails on the fake client, and is logged)
    await expect(saver.put({ configurable: { thread_id: 't', user_id: 'dev-temp-x' } }, { v: 4, id: '1', ts: '', channel_values: {}, channel_versions: {}, versions_seen: {} }, { source: 'input', step: -1, parents: {} }, {})).rejects.toMatchObject({
      code: 'PROVISIONING_REFUSED',
    });
    expect(doors).toEqual(['traced:langgraph', 'refusal:langgraph', 'save:langgraph:refused']);
  });
});
